from flask import Blueprint, abort, g, url_for
from sqlalchemy.orm import selectinload

from .auth import login_required, roles_required
from .db import db
from .models import Order, OrderItem, Product
from .products import MAX_QUANTITY
from .validation import int_field, json_object, required, text_field

bp = Blueprint("orders", __name__, url_prefix="/api")

MAX_ITEMS = 50
MAX_ITEM_QUANTITY = 10_000


def get_order_or_404(order_id: int) -> Order:
    return db.get_or_404(Order, order_id, description=f"no order with id {order_id}")


def items_field(body: dict) -> dict[int, int]:
    """{product id: quantity} from the body's "items": [{"product_id", "quantity"}]."""
    items = required(body, "items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        abort(400, f"items: must be a list of 1 to {MAX_ITEMS} items")
    wanted = {}
    for item in items:
        if not isinstance(item, dict) or item.keys() != {"product_id", "quantity"}:
            abort(400, 'items: each item must be {"product_id": ..., "quantity": ...}')
        product_id = int_field(item, "product_id", 1, 999_999_999)
        if product_id in wanted:
            abort(400, f"items: product {product_id} is listed twice")
        wanted[product_id] = int_field(item, "quantity", 1, MAX_ITEM_QUANTITY)
    return wanted


def take_stock(product_id: int, quantity: int) -> int | None:
    """Take QUANTITY of the product from stock and return its price, or None when fewer
    are left. One statement that checks and takes, so two orders at once can never both
    take the last units: the database runs them one after the other."""
    return db.session.execute(
        db.update(Product)
        .where(Product.id == product_id, Product.quantity >= quantity)
        .values(quantity=Product.quantity - quantity)
        .returning(Product.price_cents)
    ).scalar_one_or_none()


def short_of(product_id: int, wanted: int):
    """Abort with what is missing: 400 for no such product, else 409 and what is left."""
    db.session.rollback()  # give back what this order took so far
    product = db.session.get(Product, product_id)
    if product is None:
        abort(400, f"items: no product with id {product_id}")
    left = f"{product.quantity} left, {wanted} wanted"
    abort(409, f"not enough {product.sku} ({product.name}): {left}")


def return_stock(item: OrderItem) -> bool:
    """Put the item's units back in stock, unless the stock would pass MAX_QUANTITY (it
    was restocked meanwhile). One statement that checks and adds, as take_stock does."""
    returned = db.session.execute(
        db.update(Product)
        .where(Product.id == item.product_id, Product.quantity <= MAX_QUANTITY - item.quantity)
        .values(quantity=Product.quantity + item.quantity)
    ).rowcount
    return returned == 1


def set_status(order_id: int, new_status: str) -> Order:
    """Move an open order to NEW_STATUS, in one statement that checks that it is still
    open: two clicks at once cannot cancel it twice."""
    order = get_order_or_404(order_id)
    moved = db.session.execute(
        db.update(Order).filter_by(id=order.id, status="open").values(status=new_status)
    ).rowcount
    if not moved:
        db.session.rollback()
        abort(409, f"order {order.id} is {order.status}, not open")
    return order


@bp.get("/orders")
@login_required
def list_orders():
    orders = db.session.execute(
        db.select(Order)
        .options(selectinload(Order.items), selectinload(Order.created_by))
        .order_by(Order.id.desc())
    ).scalars()
    return [order.to_dict() for order in orders]


@bp.get("/orders/<id:order_id>")
@login_required
def get_order(order_id):
    return get_order_or_404(order_id).to_dict()


@bp.post("/orders")
@roles_required("manager")
def create_order():
    body = json_object({"customer", "items"})
    order = Order(customer=text_field(body, "customer"), created_by=g.user)
    wanted = items_field(body)
    # Products in id order, in every order: two orders never wait on each other in a circle.
    for product_id in sorted(wanted):
        price_cents = take_stock(product_id, wanted[product_id])
        if price_cents is None:
            short_of(product_id, wanted[product_id])
        order.items.append(
            OrderItem(
                product_id=product_id, quantity=wanted[product_id], unit_price_cents=price_cents
            )
        )
    db.session.add(order)
    db.session.commit()
    return order.to_dict(), 201, {"Location": url_for(".get_order", order_id=order.id)}


@bp.post("/orders/<id:order_id>/fulfil")
@roles_required("manager")
def fulfil_order(order_id):
    order = set_status(order_id, "fulfilled")
    db.session.commit()
    return order.to_dict()


@bp.post("/orders/<id:order_id>/cancel")
@roles_required("manager")
def cancel_order(order_id):
    order = set_status(order_id, "cancelled")
    for item in order.items:  # the stock comes back
        if not return_stock(item):
            problem = f"product {item.product_id} would have over {MAX_QUANTITY} in stock"
            db.session.rollback()  # the order stays open, every stock as it was
            abort(409, f"cannot cancel: {problem}")
    db.session.commit()
    return order.to_dict()
