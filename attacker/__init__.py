"""The other site: pages that attack a stage from another address, for live demos.

Not a stage: `make attacker` serves it on port 8001 (ATTACKER_PORT=...), to be opened as
http://localhost:8001 (another site than the stage's http://127.0.0.1:5000) or as
http://127.0.0.1:8001 (the same site, another origin). README.md gives the demo steps.
"""

from flask import Flask

from . import labs, pages


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        STAGE_URL="http://127.0.0.1:5000",  # the stage under attack, as `make run` serves it
        MALLORY_PASSWORD="mallory's own password",  # the attacker's account at the stage
        MAX_CONTENT_LENGTH=64 * 1024,  # what a page sends home is read whole: not without end
    )
    app.config.from_prefixed_env()  # FLASK_STAGE_URL=http://127.0.0.1:5001
    if test_config is not None:
        app.config.from_mapping(test_config)

    app.register_blueprint(pages.bp)
    app.register_blueprint(labs.bp)  # the attack labs' pages (tools/labs.py)
    return app
