"""The project's benchmarks: not tests, they print figures; not part of the product, they run
from a checkout (``python -m bench <which>`` at the repo root). Each empties and fills its own
database, whose name must end in ``_bench``."""
