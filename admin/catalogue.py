"""The procedure catalogue: list, search, create, edit, import (issue 4)."""
