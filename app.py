"""Run the editor's page: settings → services → UI → launch."""

from drafting.settings import Settings
from drafting.ui import serve

if __name__ == "__main__":
    serve(Settings())
