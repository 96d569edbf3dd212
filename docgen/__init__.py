"""docgen: sealed, print-ready submission packets for the 服务型制造示范 programme.

The scripting API mirrors the commands::

    city = docgen.load_city("city.json")      # raises docgen.InputError
    findings = docgen.validate(city)          # list of docgen.Finding
"""

__version__ = "0.1.0"

from .errors import DocgenError, Finding, InputError
from .model import City, load_city
from .rules import validate

__all__ = ["City", "DocgenError", "Finding", "InputError", "__version__", "load_city", "validate"]
