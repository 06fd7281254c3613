# peewee ships stubs whose Model knows none of a model's fields (not even `id`) and whose queries
# are not iterable as they are at run time; mypy reads peewee as untyped through this file instead
# (mypy.ini: mypy_path).
from typing import Any

def __getattr__(name: str) -> Any: ...
