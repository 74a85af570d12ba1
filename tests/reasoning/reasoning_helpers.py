"""Helpers shared by the reasoning tests: hand-made data, a random graph generator and an
in-memory store laid out like the build artefact.

The hand-made data uses the contract's vocabulary (docs/design.md) with facts from
../shared/facts/claims.md (Sansha under Hainan, claim 33; Jiangxi's provincial SOEs, claims
51-52; Prague-Beijing twinning, claim 23), so the expected inferences are those the sources and
the ontology's axioms imply, not what the code happens to return.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF

from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, ID, SUBDIP
from subdip.reasoning import infer
from subdip.store import quads

HERE = Path(__file__).parent
MINI_ONTOLOGY = HERE / "mini_ontology.ttl"
S = SUBDIP


def hand_data() -> Graph:
    """A few sourced facts in the contract's vocabulary."""
    g = Graph()
    claim = ID["claim/33-sansha-subordinate-to-hainan"]
    facts = [
        (ID.ccp, RDF.type, S.PoliticalParty),
        (ID.ccp, S.leads, ID["state-council"]),
        (ID["state-council"], S.hasSubordinate, ID.hainan),
        (ID["state-council"], S.hasSubordinate, ID.jiangxi),
        (ID.hainan, RDF.type, S.Province),
        (ID.sansha, RDF.type, S.PrefectureLevelCity),
        (ID.sansha, S.subordinateTo, ID.hainan),
        (claim, RDF.type, S.Claim),
        (claim, RDF.subject, ID.sansha),
        (claim, RDF.predicate, S.subordinateTo),
        (claim, RDF.object, ID.hainan),
        (claim, DCTERMS.source, ID["pub/wong2018"]),
        (claim, S.statedIn, ID["pub/articleA"]),
        (ID["pub/wong2018"], RDF.type, S.Publication),
        (ID["pub/wong2018"], DCTERMS.bibliographicCitation, Literal("Wong, 2018 (as cited by A)")),
        (ID["pub/articleA"], RDF.type, S.Publication),
        (ID["pub/articleA"], DCTERMS.title, Literal("Why Local Governments are Key")),
        (ID.jiangxi, RDF.type, S.Province),
        (ID.jiangxi, S.owns, ID["jiangxi-firm"]),
        (ID["jiangxi-firm"], RDF.type, S.Firm),
        (ID["jiangxi-firm"], DCTERMS.source, ID["pub/articleB"]),
        (ID["pub/articleB"], RDF.type, S.Publication),
        (ID["pub/articleB"], DCTERMS.creator, Literal("Charlotte Lenz")),
        (ID["pub/articleB"], DCTERMS.title, Literal("China's Provinces as Global Actors")),
        (ID.prague, RDF.type, S.ForeignSubnationalGovernment),
        (ID.prague, S.twinnedWith, ID.beijing),
        (ID.beijing, RDF.type, S.LocalGovernment),
        (ID.beijing, S.partyTo, ID["agreement/beijing-prague"]),
        (ID.hainan, S.housesOrgan, ID["hainan-fao"]),
        (ID["event/signing"], S.performedBy, ID["hainan-fao"]),
    ]
    for t in facts:
        g.add(t)
    return g


def dataset_store(ontology: Graph, asserted: Graph, *, engine: str = "fast") -> ox.Store:
    """An in-memory store laid out like the build artefact's."""
    store = ox.Store()
    inferred = infer(ontology, asserted, engine=engine)
    store.extend(
        [
            *quads(ontology, GRAPH_ONTOLOGY),
            *quads(asserted, GRAPH_ASSERTED),
            *quads(inferred, GRAPH_INFERRED),
        ]
    )
    return store


def generate(seed: int, provinces: int = 4, cities: int = 3) -> Graph:
    """A random graph of governments, subordination, firms, organs, twinning and agreements.

    Deliberately irregular: some links are stated one way (subordinateTo), others the other way
    (hasSubordinate), firms are owned at different levels, some twinning is reciprocated.
    """
    rnd = random.Random(seed)
    g = Graph()
    g.add((ID.ccp, RDF.type, S.PoliticalParty))
    g.add((ID.ccp, S.leads, ID.centre))
    g.add((ID.centre, RDF.type, S.PartyStateOrgan))
    govs = []
    for pi in range(provinces):
        prov = ID[f"p{seed}-{pi}"]
        g.add((prov, RDF.type, S.Province))
        if rnd.random() < 0.5:
            g.add((ID.centre, S.hasSubordinate, prov))
        else:
            g.add((prov, S.subordinateTo, ID.centre))
        govs.append(prov)
        for ci in range(cities):
            city = ID[f"c{seed}-{pi}-{ci}"]
            g.add((city, RDF.type, S.PrefectureLevelCity))
            if rnd.random() < 0.7:
                g.add((city, S.subordinateTo, prov))
            else:
                g.add((prov, S.hasSubordinate, city))
            govs.append(city)
    for fi in range(provinces * 2):
        firm = ID[f"f{seed}-{fi}"]
        owner = rnd.choice(govs)
        if rnd.random() < 0.8:
            g.add((firm, RDF.type, S.Firm))
        if rnd.random() < 0.6:
            g.add((owner, S.owns, firm))
        else:
            g.add((firm, S.ownedBy, owner))
    for oi in range(provinces):
        organ = ID[f"o{seed}-{oi}"]
        g.add((rnd.choice(govs), S.housesOrgan, organ))
        g.add((ID[f"e{seed}-{oi}"], S.performedBy, organ))
    foreign = [ID[f"x{seed}-{k}"] for k in range(provinces)]
    for x in foreign:
        g.add((x, RDF.type, S.ForeignSubnationalGovernment))
    for ai in range(provinces * 2):
        a, b = rnd.choice(govs), rnd.choice(foreign)
        g.add((a, S.twinnedWith, b))
        if rnd.random() < 0.3:
            g.add((b, S.twinnedWith, a))
        agreement = ID[f"agreement/a{seed}-{ai}"]
        g.add((a, S.partyTo, agreement))
        if rnd.random() < 0.5:
            g.add((agreement, RDF.type, S.SisterCityAgreement))
        if rnd.random() < 0.5:
            g.add((agreement, S.hasParty, b))
    return g
