import secrets

import click
from flask.cli import with_appcontext

from .db import db
from .models import ROLES, Product, User, UserSession
from .users import create_user
from .validation import USERNAME_PATTERN

DEMO_PRODUCTS = [
    ("CHAIR-01", "Office chair", 12900, 12),
    ("DESK-01", "Standing desk", 45000, 4),
    ("LAMP-01", "Desk lamp", 3450, 25),
    ("MUG-01", "Coffee mug", 890, 5),
    ("PEN-10", "Pens, pack of 10", 450, 200),
]


def init_app(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_user_command(username, role, password):
    """Create a user: the first admin, say. Asks for the password unless given."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise click.BadParameter("3 to 32 of A-Z a-z 0-9 _ . -", param_hint="USERNAME")
    if not 8 <= len(password) <= 128:
        raise click.BadParameter("8 to 128 characters", param_hint="--password")
    if create_user(username.lower(), password, role) is None:
        raise click.ClickException(f"the username {username} is taken")
    click.echo(f"Created the {role} {username.lower()}.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """One demo user per role, each with a new random password, and sample products."""
    click.echo(f"{'username':10} {'role':8} password")
    for role in ROLES:
        password = secrets.token_urlsafe(12)
        user = db.session.execute(db.select(User).filter_by(username=role)).scalar_one_or_none()
        if user is None:
            create_user(role, password, role)
        else:  # seeded before: a new password, and the role and state it had
            user.set_password(password)
            user.role, user.active = role, True
            # Whoever logged in with the old password (a leaked demo.txt) is out at once.
            db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))
            db.session.commit()
        click.echo(f"{role:10} {role:8} {password}")
    if db.session.execute(db.select(Product).limit(1)).first() is None:
        db.session.add_all(
            Product(sku=sku, name=name, price_cents=price, quantity=quantity)
            for sku, name, price, quantity in DEMO_PRODUCTS
        )
        db.session.commit()
        click.echo(f"Added {len(DEMO_PRODUCTS)} sample products.")
