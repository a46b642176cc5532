"""midstance: running-form analysis. At midstance, is the runner's hip over the ankle, or behind it?"""

from midstance.errors import AnalysisError, InputError, MidstanceError

__version__ = "0.1.0"

__all__ = ["AnalysisError", "InputError", "MidstanceError", "__version__"]
