"""Serves the test JupyterLab (build/) with Debian's jupyterlab_server.

Prebuilt extensions are read from build/labextensions (setup.sh links
Whittle's there); kernels come from JUPYTER_PATH (setup.sh installs the
Whittle kernelspec under build/jupyter). Usage:

    /usr/bin/python3 test/lab/main.py --port 8888 --ServerApp.root_dir=notebooks
"""
import json
import os

# Configuration files elsewhere on the machine must not change this app.
os.environ["JUPYTER_NO_CONFIG"] = "1"

from jupyterlab_server import LabServerApp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
# User settings and workspaces (theme, open tabs); the browser tests point this at a fresh folder.
STATE = os.environ.get("WHITTLE_LAB_STATE", BUILD)

with open(os.path.join(HERE, "package.json")) as f:
    VERSION = json.load(f)["version"]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": WhittleLab}]


class WhittleLab(LabServerApp):
    name = __name__
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab (Whittle test app)"
    app_version = VERSION
    # settings/overrides.json: no "news" prompt (nothing is fetched from the internet here).
    app_settings_dir = os.path.join(HERE, "settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = BUILD
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(STATE, "user_settings")
    workspaces_dir = os.path.join(STATE, "workspaces")
    labextensions_path = [os.path.join(BUILD, "labextensions")]

    def initialize_settings(self):
        super().initialize_settings()
        self.serverapp.web_app.settings["terminals_available"] = False


if __name__ == "__main__":
    WhittleLab.launch_instance()
