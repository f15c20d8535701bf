"""An embedded demo groupware speaking Dooray's REST API, with its data in one SQLite file.

`seed(db_path, today=...)` fills it; `create_demo_groupware_app(db_path, token=...)` serves it; the
real `DoorayTaskSource` talks to it like to Dooray (base_url = the demo's address).
"""

from adapters.groupware.demo.app import create_demo_groupware_app
from adapters.groupware.demo.envelope import REQUEST_LOG
from adapters.groupware.demo.seed import DEFAULT_MEMBERS, PROJECTS, reseed, seed

__all__ = ["DEFAULT_MEMBERS", "PROJECTS", "REQUEST_LOG", "create_demo_groupware_app", "reseed", "seed"]
