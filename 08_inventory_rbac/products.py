import re

from flask import Blueprint, abort, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .auth import login_required, roles_required
from .db import db
from .models import OrderItem, Product
from .validation import int_field, json_object, required, text_field

bp = Blueprint("products", __name__, url_prefix="/api")

SKU_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
MAX_PRICE_CENTS = 100_000_000  # a million in whole units
MAX_QUANTITY = 1_000_000


def get_product_or_404(product_id: int) -> Product:
    return db.get_or_404(Product, product_id, description=f"no product with id {product_id}")


def sku_field(body: dict) -> str:
    sku = required(body, "sku")
    # ASCII first: Unicode would upper-case "ß" into "SS" and "ﬁ" into "FI".
    if not isinstance(sku, str) or not sku.isascii() or not SKU_PATTERN.fullmatch(sku.upper()):
        abort(400, "sku: must be 1 to 32 of the characters A-Z 0-9 . _ -")
    return sku.upper()  # one product per code: "ab-1" and "AB-1" are the same


def save(product: Product):
    """Commit, or 409 when another product has this SKU (even when two saves race), or
    404 when another request deleted it meanwhile."""
    # As asked for: the rollback below puts back the stored ones.
    product_id, sku = product.id, product.sku
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, f"sku: {sku} is taken by another product")
    except StaleDataError:
        db.session.rollback()
        abort(404, f"no product with id {product_id}")


@bp.get("/products")
@login_required
def list_products():
    products = db.session.execute(db.select(Product).order_by(Product.sku)).scalars()
    return [product.to_dict() for product in products]


@bp.get("/products/<id:product_id>")
@login_required
def get_product(product_id):
    return get_product_or_404(product_id).to_dict()


@bp.post("/products")
@roles_required("admin")
def create_product():
    body = json_object({"sku", "name", "price_cents", "quantity"})
    product = Product(
        sku=sku_field(body),
        name=text_field(body, "name"),
        price_cents=int_field(body, "price_cents", 0, MAX_PRICE_CENTS),
        quantity=int_field(body, "quantity", 0, MAX_QUANTITY),
    )
    db.session.add(product)
    save(product)
    return product.to_dict(), 201, {"Location": url_for(".get_product", product_id=product.id)}


@bp.patch("/products/<id:product_id>")
@roles_required("admin")
def update_product(product_id):
    product = get_product_or_404(product_id)
    body = json_object({"sku", "name", "price_cents", "quantity"})
    if "sku" in body:
        product.sku = sku_field(body)
    if "name" in body:
        product.name = text_field(body, "name")
    if "price_cents" in body:  # orders made already keep the price they were made at
        product.price_cents = int_field(body, "price_cents", 0, MAX_PRICE_CENTS)
    if "quantity" in body:
        product.quantity = int_field(body, "quantity", 0, MAX_QUANTITY)
    updated = product.to_dict()  # now: the commit forgets what was loaded
    save(product)
    return updated


@bp.delete("/products/<id:product_id>")
@roles_required("admin")
def delete_product(product_id):
    product = get_product_or_404(product_id)
    # An order must still say what it was for: a product in an order stays.
    in_orders = f"{product.sku} is in orders and cannot be deleted; set its stock to 0"
    if db.session.execute(db.select(OrderItem).filter_by(product_id=product.id)).first():
        abort(409, in_orders)
    db.session.delete(product)
    try:
        db.session.commit()
    except IntegrityError:  # an order for it was made a moment ago
        db.session.rollback()
        abort(409, in_orders)
    return "", 204
