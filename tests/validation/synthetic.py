"""A synthetic graph shaped like subdip's data, of any size, that conforms to the shapes.

Used to check that validation time grows linearly with the data (the SPARQL-based rules run
once over the whole graph, not once per focus node). Names are generated ("Province 17"): this
is test scaffolding, never data.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from subdip.namespaces import ID, SUBDIP

DCTERMS = Namespace("http://purl.org/dc/terms/")
PUB = ID["pub/articleA"]


def _named(g: Graph, node: URIRef, kind: URIRef, label: str) -> None:
    g.add((node, RDF.type, kind))
    g.add((node, RDFS.label, Literal(label, lang="en")))
    g.add((node, DCTERMS.source, PUB))


def _claimed(g: Graph, slug: str, s: URIRef, p: URIRef, o: URIRef) -> None:
    g.add((s, p, o))
    claim = ID[f"claim/{slug}"]
    g.add((claim, RDF.type, SUBDIP.Claim))
    g.add((claim, RDF.subject, s))
    g.add((claim, RDF.predicate, p))
    g.add((claim, RDF.object, o))
    g.add((claim, SUBDIP.claimSubject, s))
    g.add((claim, SUBDIP.claimPredicate, p))
    g.add((claim, SUBDIP.claimObject, o))
    g.add((claim, DCTERMS.source, PUB))


def synthetic_graph(units: int) -> Graph:
    """About 90 triples per unit: a province with its congress and firm, a foreign city, and a
    sister-city agreement with its approvals, signing and termination."""
    g = Graph()
    g.add((PUB, RDF.type, SUBDIP.Publication))
    g.add((PUB, RDFS.label, Literal("Article A", lang="en")))
    g.add((PUB, DCTERMS.bibliographicCitation, Literal("Article A (synthetic)")))
    state = ID["synthetic-state"]
    _named(g, state, SUBDIP.State, "Synthetic state")
    cpaffc = ID["synthetic-friendship-association"]
    _named(g, cpaffc, SUBDIP.MassOrganisation, "Synthetic friendship association")
    requirement = ID["requirement/synthetic-approval"]
    _named(g, requirement, SUBDIP.ApprovalRequirement, "Synthetic approval requirement")
    g.add((requirement, SUBDIP.requirementFor, SUBDIP.SisterCityAgreement))
    g.add((requirement, SUBDIP.requiredApprover, cpaffc))
    g.add((requirement, SUBDIP.requiredApproverType, SUBDIP.LocalPeoplesCongress))
    for i in range(units):
        province = ID[f"province-{i}"]
        _named(g, province, SUBDIP.ChineseProvince, f"Province {i}")
        g.add((province, RDFS.label, Literal(f"省 {i}", lang="zh")))
        _claimed(g, f"province-{i}-in-state", province, SUBDIP.locatedIn, state)
        firm = ID[f"firm-{i}"]
        _named(g, firm, SUBDIP.StateOwnedEnterprise, f"Firm {i}")
        _claimed(g, f"province-{i}-owns-firm", province, SUBDIP.owns, firm)
        city = ID[f"city-{i}"]
        _named(g, city, SUBDIP.NonChineseSubnationalGovernment, f"City {i}")
        agreement = ID[f"agreement/a-{i}"]
        _named(g, agreement, SUBDIP.SisterCityAgreement, f"Agreement {i}")
        g.add((agreement, SUBDIP.hasParty, province))
        g.add((agreement, SUBDIP.hasParty, city))
        signing = ID[f"event/signing-{i}"]
        _named(g, signing, SUBDIP.Signing, f"Signing {i}")
        g.add((signing, SUBDIP.concernsAgreement, agreement))
        g.add((signing, DCTERMS.date, Literal(f"{2000 + i % 10}-02", datatype=XSD.gYearMonth)))
        congress = ID[f"congress-{i}"]
        _named(g, congress, SUBDIP.LocalPeoplesCongress, f"People's Congress {i}")
        _claimed(g, f"province-{i}-houses-congress", province, SUBDIP.housesOrgan, congress)
        for approver, slug in ((cpaffc, "association"), (congress, "congress")):
            approval = ID[f"event/approval-{i}-{slug}"]
            _named(g, approval, SUBDIP.Approval, f"Approval {i} by the {slug}")
            g.add((approval, SUBDIP.concernsAgreement, agreement))
            g.add((approval, SUBDIP.performedBy, approver))
        ending = ID[f"event/termination-{i}"]
        _named(g, ending, SUBDIP.Termination, f"Termination {i}")
        g.add((ending, SUBDIP.concernsAgreement, agreement))
        g.add((ending, SUBDIP.performedBy, province))
        g.add((ending, DCTERMS.date, Literal(f"{2012 + i % 10}", datatype=XSD.gYear)))
    return g
