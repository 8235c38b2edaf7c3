"""Statements that say the same thing in other words: scores, their evaluation on labelled
pairs, and the suggested groups of a thematic across regions.

Two methods were measured on pairs labelled by hand from the Pays de la Loire synthesis
(tests/national/data/labelled_pairs.csv; `evaluate_similarity` prints the figures): rapidfuzz's
token-set ratio, and the cosine of TF-IDF vectors of character n-grams (3 to 5, within words,
accents removed). The TF-IDF one is used (README, « Vue nationale »): the n-grams see through
plurals and word forms (« matériel », « matériels ») and weigh rare words above common ones.
Suggestions are never applied: a person confirms, names and ties a group.
"""

import csv
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from . import words

THRESHOLD = 0.5  # TF-IDF cosine above which two statements are suggested together
FUZZ_THRESHOLD = 80
CHUNK = 1000


def vectorizer():
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=words.plain
    )


def tfidf_scores(pairs):
    texts = sorted({text for pair in pairs for text in pair})
    matrix = vectorizer().fit_transform(texts)
    where = {text: i for i, text in enumerate(texts)}
    return [float(matrix[where[a]].multiply(matrix[where[b]]).sum()) for a, b in pairs]


def fuzz_scores(pairs):
    return [fuzz.token_set_ratio(words.plain(a), words.plain(b)) for a, b in pairs]


@dataclass
class Measure:
    method: str
    threshold: float
    precision: float
    recall: float


def measure(method, scores, labels, threshold):
    predicted = [score >= threshold for score in scores]
    true_positive = sum(p and bool(y) for p, y in zip(predicted, labels, strict=True))
    precision = true_positive / max(sum(predicted), 1)
    recall = true_positive / max(sum(labels), 1)
    return Measure(method, threshold, precision, recall)


def load_pairs(path):
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [(row["text_a"], row["text_b"]) for row in rows], [int(row["similar"]) for row in rows]


def evaluate(path):
    """Precision and recall of both methods, at their threshold, on labelled pairs."""
    pairs, labels = load_pairs(path)
    return [
        measure("TF-IDF (n-grammes de caractères)", tfidf_scores(pairs), labels, THRESHOLD),
        measure("rapidfuzz token_set_ratio", fuzz_scores(pairs), labels, FUZZ_THRESHOLD),
    ]


def suggest_groups(items, progress=None, threshold=THRESHOLD):
    """Groups of `items` ([(key, text)]) that say the same thing: each group is a statement
    with its unassigned neighbours above the threshold, the most connected first.

    Works by chunks of rows (the similarity matrix of a thematic across 18 regions would not
    fit in memory); `progress(percent, message)` hears of each chunk.
    """
    if len(items) < 2:
        return []
    texts = [text for _, text in items]
    matrix = vectorizer().fit_transform(texts).astype(np.float32)
    transposed = matrix.T.tocsc()
    neighbours = []
    chunks = range(0, len(texts), CHUNK)
    for number, start in enumerate(chunks, 1):
        block = (matrix[start : start + CHUNK] @ transposed).tocsr()
        block.data[block.data < threshold] = 0
        block.eliminate_zeros()
        for row in range(block.shape[0]):
            columns = block.indices[block.indptr[row] : block.indptr[row + 1]]
            neighbours.append({int(c) for c in columns if c != start + row})
        if progress:
            progress(int(90 * number / len(chunks)), f"Similarités\u00a0: {number}/{len(chunks)}")
    assigned, groups = set(), []
    for index in sorted(range(len(items)), key=lambda i: -len(neighbours[i])):
        if index in assigned or not neighbours[index]:
            continue
        members = [index, *sorted(n for n in neighbours[index] if n not in assigned)]
        if len(members) < 2:
            continue
        assigned.update(members)
        groups.append([items[i][0] for i in members])
    if progress:
        progress(100, f"{len(groups)}\u00a0groupes suggérés")
    return groups


GROUPED_KINDS = ["irritants", "points-forts", "irritants-principaux", "besoins", "leviers", "axes"]


def group_thematic(number, progress=None):
    """Suggested groups of a thematic across every region: [[IndexedStatement]], groups that
    span at least two syntheses first. A plain function: the background job calls it."""
    from actionplans.models import IndexedStatement

    entries = list(
        IndexedStatement.objects.filter(thematic__number=number, kind__in=GROUPED_KINDS)
        .select_related("region", "synthesis")
        .order_by("pk")
    )
    if progress:
        progress(5, f"{len(entries)}\u00a0énoncés à comparer")
    by_pk = {entry.pk: entry for entry in entries}
    groups = suggest_groups([(entry.pk, entry.text) for entry in entries], progress)
    result = [[by_pk[pk] for pk in group] for group in groups]
    result.sort(key=lambda group: (-len({e.synthesis_id for e in group}), -len(group)))
    return result


MAX_CANDIDATES = 3000


def similar_to(entry, candidates, limit=20):
    """The statements of `candidates` (a QuerySet of the index) closest to `entry`, best first,
    with their score: [(IndexedStatement, score)], above the threshold."""
    pool = list(candidates.exclude(pk=entry.pk).select_related("region")[:MAX_CANDIDATES])
    if not pool:
        return []
    matrix = vectorizer().fit_transform([entry.text] + [other.text for other in pool])
    scores = (matrix[1:] @ matrix[0].T).toarray().ravel()
    ranked = sorted(zip(pool, scores, strict=True), key=lambda pair: -pair[1])
    return [(other, float(score)) for other, score in ranked[:limit] if score >= THRESHOLD]
