"""DT Lab's JupyterLab extension: a prebuilt labextension, nothing on the server side."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "@dtlab/jupyterlab"}]
