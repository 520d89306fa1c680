"""Services: the rules of the platform. They never commit: each action's unit of work does, at
the boundary (motcua.unit_of_work)."""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko 0.38 (motcua.services.signing, signature_check) imports cryptography's DSA key type,
# which cryptography 51 deprecates, and every command would print the warning. DSA is never used.
warnings.filterwarnings(
    "ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning
)
