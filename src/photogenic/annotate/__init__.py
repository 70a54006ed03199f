"""Human annotation: triage, rubric and pairwise projects in a small web app.

The store (:class:`Store`, SQLite or PostgreSQL through SQLAlchemy) holds projects, items, slots
(one per rater an item needs), labels and sessions. :func:`create_app` builds the FastAPI app;
:mod:`photogenic.annotate.admin`, :mod:`~photogenic.annotate.importer` and
:mod:`~photogenic.annotate.export` are the admin functions the CLI calls;
:mod:`~photogenic.annotate.agreement` has Fleiss' kappa.
"""

from photogenic.annotate.agreement import agreement_with_majority, fleiss_kappa, majority
from photogenic.annotate.db import Store

__all__ = ["Store", "agreement_with_majority", "fleiss_kappa", "majority"]
