"""The ontology names every concept that issue 3 lists from the two source articles.

The phrases below are the issue's own words (and the articles'); each must be the English label
or an English alternative label of some subdip term, so a user searching the documentation for
the article's vocabulary finds the term.
"""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import RDFS, SKOS

from subdip.namespaces import SUBDIP

CONCEPTS = [
    # actors
    "political party",
    "central government",
    "ministry",
    "mass organisation",
    "province",
    "autonomous region",
    "municipality directly under the central government",
    "special administrative region",
    "prefecture-level city",
    "foreign affairs office",
    "foreign trade and economic cooperation commission",
    "local people's congress",
    "state-owned enterprise",
    "firm",
    "sovereign state",
    "foreign subnational government",
    "leader",
    "cadre",
    "scholar",
    "publication",
    "subnational diplomatic actor",
    # relations
    "controls",
    "subordinate to",
    "guides",
    "approves",
    "owns",
    "twinned with",
    "subcontracts to",
    "competes with",
    "lobbies",
    "implements",
    "claims territory",
    "in tension with",
    "upholds",
    "engages",
    # agreements and their lifecycle
    "international agreement",
    "sister-city agreement",
    "signing",
    "approval",
    "suspension",
    "termination",
    "reason",
    "has party",
    # policies and the analysts' categories (pointers to the SKOS schemes)
    "policy",
    "principle",
    "initiative",
    "regulation",
    "strategy",
    "mechanism",
    "role",
    "issue",
    # provenance
    "claim",
    "stated in",
]


@pytest.fixture(scope="session")
def english_names(ontology: Graph) -> set[str]:
    return {
        str(value).lower()
        for predicate in (RDFS.label, SKOS.altLabel)
        for subject, value in ontology.subject_objects(predicate)
        if str(subject).startswith(str(SUBDIP)) and getattr(value, "language", None) == "en"
    }


@pytest.mark.parametrize("concept", CONCEPTS)
def test_concept_has_a_term(concept: str, english_names: set[str]) -> None:
    assert concept in english_names, f"no subdip term is labelled '{concept}'"
