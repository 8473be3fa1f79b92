"""The values that flow between the audience modules: graph → clustering → cards → report.

Members are addressed by their position in `AudienceGraph.member_keys` (0..n-1) everywhere in
this package; `member_keys` maps a position back to `audience_members.member_key`. No value here
carries a member's pseudonymous id or bio to an output: reports see only aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OTHER = -1  # cluster label of members folded into "Other"


@dataclass(frozen=True)
class AudienceGraph:
    """The kept audience members and the follows among them.

    Attributes:
        member_keys: int32, `audience_members.member_key` of each kept member.
        sources, targets: int32 positions into `member_keys`; one directed follow each.
        dropped: why members were left out, and how many: {"isolated": n, ...}.
        total_members: audience size before anything was dropped.
        notes: sentences on rules that the data could not support and were not applied.
    """

    member_keys: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    dropped: dict[str, int]
    total_members: int
    notes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Number of kept members."""
        return len(self.member_keys)


@dataclass(frozen=True)
class Clustering:
    """Each kept member's cluster, and how the clusters were found.

    Attributes:
        labels: int32 per kept member: 0..k-1, or OTHER.
        mode: "follows" (community detection on the follow graph) or "hybrid" (bio and
            interest similarity added because follows were too sparse).
        reason: why that mode, in a sentence.
        algorithm: the library and method used, e.g. "networkit PLM".
        seed: the random seed; the same seed gives the same labels.
        modularity: of the raw communities on the follow graph (None in hybrid mode).
        communities: how many raw communities the algorithm found before presentation.
    """

    labels: np.ndarray
    mode: str
    reason: str
    algorithm: str
    seed: int
    modularity: float | None
    communities: int

    @property
    def clusters(self) -> int:
        """Number of clusters, not counting Other."""
        return int(self.labels.max()) + 1 if len(self.labels) and self.labels.max() >= 0 else 0


@dataclass(frozen=True)
class Share:
    """One value of one attribute in one cluster, against the whole audience.

    Attributes:
        value: e.g. "ES", "25-34", "gardening".
        members: members of the cluster with this value.
        share: members / cluster members with a known value (0-1); of all the cluster's members
            when how many lack a value may not be published (see docs/privacy.md).
        baseline: the same share in the whole audience (0-1).
        index: 100 × share / baseline (100 = same as the audience).
        p_value: two-sided test of share vs the rest of the audience.
        significant: p_value under the corrected threshold and index away from 100.
        interval: where the attribute's values come from a sample of the audience (a Research
            API enrichment), the 95% Wilson score interval of `share` (low, high); else None.
    """

    value: str
    members: int
    share: float
    baseline: float
    index: float
    p_value: float
    significant: bool
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class Keyword:
    """A bio word that sets a cluster apart.

    Attributes:
        term: the word or emoji.
        members: distinct members of the cluster using it.
        share: members / cluster size.
        baseline: share of the whole audience using it.
        index: 100 × share / baseline.
        z_score: log-odds ratio with an informative Dirichlet prior, divided by its standard
            deviation (Monroe, Colaresi and Quinn 2008).
    """

    term: str
    members: int
    share: float
    baseline: float
    index: float
    z_score: float


@dataclass(frozen=True)
class Affinity:
    """An outside account that one cluster follows far more than the whole audience.

    Only public figures are named (see `PrivacySettings.public_followers`); the others a cluster
    is drawn to are counted on its card (`ClusterCard.unnamed_affinities`), never named.

    Attributes:
        handle: the outside account.
        members: members of the cluster who follow it.
        share: members / the cluster's members who follow any outside account (0-1); of all its
            members when how many follow none may not be published.
        baseline: the same share in the whole audience (0-1).
        affinity: share / baseline (1 = like the audience; 3 = three times as often).
        p_value: Fisher's exact test of the cluster against the rest of the audience.
        significant: p-value under the card's Bonferroni threshold, affinity at least 1.2 and
            Cohen's h at least 0.25 (as the distinctive values of `Share`).
    """

    handle: str
    members: int
    share: float
    baseline: float
    affinity: float
    p_value: float
    significant: bool


@dataclass(frozen=True)
class AudienceAffinity:
    """An outside account followed by many of the whole audience (a public figure).

    Attributes:
        handle: the outside account.
        members: audience members who follow it.
        share: members / members who follow any outside account (0-1).
    """

    handle: str
    members: int
    share: float


@dataclass(frozen=True)
class ClusterCard:
    """Everything the report says about one cluster."""

    cluster: int
    name: str
    size: int
    share: float
    keywords: list[Keyword]
    # keyed "interests", "age", "gender", "country", "city", "language"
    attributes: dict[str, list[Share]]
    # share of members who follow at least one other member of the cluster; None when that, or
    # its complement, would be a count under the minimum group size
    density: float | None
    suppressed: dict[str, int] = field(default_factory=dict)  # what privacy hid, and how many
    # public outside accounts the cluster follows far more than the audience, by affinity
    affinities: list[Affinity] = field(default_factory=list)
    # how many more such accounts there are that are not public figures: counted, never named
    unnamed_affinities: int = 0
    # per attribute: how many of the cluster's members have a value (see `Coverage`)
    coverage: dict[str, Coverage] = field(default_factory=dict)


@dataclass(frozen=True)
class Coverage:
    """How many members of a cluster (or of the audience) have a value of one attribute.

    Age and gender are never guessed: their coverage is that of the members file that gave them.

    Attributes:
        members: members with a value (at least one, for interests); None when privacy hides it
            (it would let a count under the minimum group size be worked out).
        share: members / the cluster's (or audience's) members; None when hidden.
    """

    members: int | None
    share: float | None


@dataclass(frozen=True)
class AudienceShare:
    """One value of one attribute in the whole audience.

    Attributes:
        value: e.g. "ES", "25-34", "gardening".
        members: members with this value.
        share: members / members whose value is known (0-1); of all members when how many lack
            a value may not be published.
        interval: the 95% Wilson score interval of `share` when the values come from a sample
            (see `Share.interval`); else None.
    """

    value: str
    members: int
    share: float
    interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class AudienceKeyword:
    """A bio word of the whole audience.

    Attributes:
        term: the word or emoji.
        members: distinct members using it.
        share: members / audience size.
    """

    term: str
    members: int
    share: float


@dataclass(frozen=True)
class ClusterSize:
    """A cluster's size in the audience (cluster is OTHER for Other)."""

    cluster: int
    name: str
    size: int
    share: float


@dataclass(frozen=True)
class AudienceSummary:
    """The whole (kept) audience, under the same privacy rules as the cards.

    Attributes:
        size: members described.
        demographics: "age", "gender", "country", "city", "language": the most common values.
        keywords: the bio words used by most members.
        interests: the most listed interests.
        clusters: each card's cluster, name, size and share, in card order.
        suppressed: values and words hidden for privacy, per attribute.
        affinities: the public outside accounts most of the audience follows.
        unnamed_affinities: outside accounts followed by at least the minimum group size that
            are not public figures: counted, never named.
        coverage: per attribute, how many members have a value (see `Coverage`).
        profiled: members profiled from a sample through the Research API (`member_profiles`);
            None when the store has no such profile.
        sampled: the attributes whose values come (at least partly) from that sample: their
            shares carry confidence intervals.
    """

    size: int
    demographics: dict[str, list[AudienceShare]]
    keywords: list[AudienceKeyword]
    interests: list[AudienceShare]
    clusters: list[ClusterSize]
    suppressed: dict[str, int] = field(default_factory=dict)
    affinities: list[AudienceAffinity] = field(default_factory=list)
    unnamed_affinities: int = 0
    coverage: dict[str, Coverage] = field(default_factory=dict)
    profiled: int | None = None
    sampled: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrivacySettings:
    """Minimum group sizes below which nothing is shown, so no output points at a person.

    Attributes:
        min_group_size: a keyword or attribute value is shown only if at least this many
            distinct members of the cluster (and of the audience) have it, and no count under
            it can be recovered by subtracting published numbers (docs/privacy.md).
        min_cluster_size: the privacy floor of clusters: a cluster smaller than this is folded
            into "Other". By default the minimum group size: a smaller cluster could show
            nothing of its own, and a larger fixed floor (it was 50) folded whole audiences of
            a hundred or two into Other.
        public_followers: an outside account is a public figure, and may be named among
            affinities, when it is verified or has at least this many followers (and at least
            `min_group_size` members follow it); any other is counted, never named.
    """

    min_group_size: int = 10
    min_cluster_size: int = 10
    public_followers: int = 10_000
