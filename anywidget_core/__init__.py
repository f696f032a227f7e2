"""anywidget-core: the Python side of the Anywidget Front-End Module (AFM) contract, without ipywidgets.

import anywidget_core as awc

class Counter(awc.Widget):
    _esm = "export default { render({ model, el }) { ... } }"
    value: int = 0
"""

from .connection import Limits
from .errors import ErrorCode, ProtocolError, ValidationError
from .fields import field
from .hooks import observe, validate
from .invoke import command
from .messages import PROTOCOL_VERSION
from .widget import Change, Widget

__version__ = "0.1.0"

__all__ = [
    "PROTOCOL_VERSION",
    "Change",
    "ErrorCode",
    "Limits",
    "ProtocolError",
    "ValidationError",
    "Widget",
    "__version__",
    "command",
    "field",
    "observe",
    "validate",
]
