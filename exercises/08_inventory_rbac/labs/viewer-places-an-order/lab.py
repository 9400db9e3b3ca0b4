"""Lab: a viewer places an order through the API; the hidden button was the only check
(tools/labs.py)."""

TITLE = "Place an order with a viewer's account"
DIFFICULTY = "apprentice"
FILES = ["exploit.py"]
BREAK = "no-role-check"  # the routes let every role through; the page still hides the button
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: @roles_required("manager") on POST /api/orders

USERNAME, PASSWORD = "vera", "vera's password"  # yours: the exploit knows them too


def setup(stage):
    db, models = stage.db.db, stage.models
    you = models.User(username=USERNAME, role="viewer")
    you.set_password(PASSWORD)
    db.session.add(you)
    db.session.add(models.Product(sku="LAMP-01", name="Desk lamp", price_cents=2500, quantity=8))
    db.session.commit()
    return {}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    you = db.session.execute(db.select(models.User).filter_by(username=USERNAME)).scalar_one()
    if not db.session.execute(db.select(models.Order).filter_by(created_by_id=you.id)).first():
        return "the shop has no order placed by vera, the viewer"
    return None  # a viewer's order, in the shop's own book of orders
