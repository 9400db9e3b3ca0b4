"""Lab: parallel orders sell more units than the stock holds, against a break that reads
the stock before it writes (tools/labs.py)."""

TITLE = "Sell six units of a product that has five"
DIFFICULTY = "practitioner"
FILES = ["exploit.py"]
BREAK = "stock-checked-then-taken"  # the order reads the stock, then writes what it computed
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: one statement checks and takes the stock

USERNAME, PASSWORD = "max", "max's password"  # yours: the exploit knows them too
STOCK = 5


def setup(stage):
    db, models = stage.db.db, stage.models
    you = models.User(username=USERNAME, role="manager")
    you.set_password(PASSWORD)
    product = models.Product(sku="SNEAK-42", name="Limited sneakers", price_cents=19900,
                             quantity=STOCK)  # fmt: skip
    db.session.add_all([you, product])
    db.session.commit()
    return {"product_id": product.id}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    sold = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(models.OrderItem.quantity), 0))
        .join(models.Order)
        .filter(models.OrderItem.product_id == facts["product_id"])
        .filter(models.Order.status != "cancelled")
    )
    if sold <= STOCK:
        return f"the shop's orders hold {sold} of the {STOCK} sneakers: sell at least six"
    return None  # more sold than there ever were: someone will not get their pair
