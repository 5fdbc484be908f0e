"""Project types, one module each, found by name through the registry in `base`."""

from . import ad, ext, ncc, oneclass
from .base import DEFAULT, EntryProblem, ProjectType, all_types, get, load_plugins, names

__all__ = ["DEFAULT", "EntryProblem", "ProjectType", "ad", "all_types", "ext", "get", "load_plugins", "names",
           "ncc", "oneclass"]
