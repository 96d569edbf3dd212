"""docgen: sealed, print-ready submission packets for the 服务型制造示范 programme.

The scripting API mirrors the commands::

    city = docgen.load_city("city.json")      # raises docgen.InputError
    findings = docgen.validate(city)          # list of docgen.Finding
"""

__version__ = "0.1.0"

import gc as _gc

# Importing the models and the rules allocates ~200 000 objects and no garbage cycles: the
# cyclic collector would run a hundred times for nothing (10 ms of every command's start).
# It is paused for these imports only.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from .errors import DocgenError, Finding, InputError
    from .model import City, load_city
    from .rules import validate
finally:
    if _collecting:
        _gc.enable()

__all__ = ["City", "DocgenError", "Finding", "InputError", "__version__", "load_city", "validate"]
