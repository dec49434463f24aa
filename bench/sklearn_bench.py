#!/usr/bin/env python3
"""scikit-learn baseline for `make bench`: CountVectorizer(ngram_range=(1,2)) + MultinomialNB.

Fitted on the repository corpus (sectarian labels); then, timed, it reads the benchmark JSONL,
vectorises and predicts every passage in chunks (bounded memory, one process). Prints one JSON
line of medians.

usage: sklearn_bench.py CORPUS.jsonl CORPORA_DIR RUNS
"""
import json
import os
import statistics
import sys
import time

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB

CHUNK = 20000


def main():
    corpus, corpora, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    texts, labels = [], []
    for root, _, names in os.walk(corpora):
        for n in sorted(names):
            if n.endswith('.jsonl'):
                for line in open(os.path.join(root, n), encoding='utf-8'):
                    if line.strip():
                        r = json.loads(line)
                        if isinstance(r.get('text'), str):
                            texts.append(r['text']); labels.append(r.get('sectarian') or 'none')
    vec = CountVectorizer(ngram_range=(1, 2))
    nb = MultinomialNB().fit(vec.fit_transform(texts), labels)
    size = os.path.getsize(corpus)
    totals, predicts = [], []
    n = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        predict_time = 0.0
        n = 0
        batch = []
        with open(corpus, encoding='utf-8') as f:
            for line in f:
                batch.append(json.loads(line)['text'])
                if len(batch) == CHUNK:
                    p0 = time.perf_counter(); nb.predict(vec.transform(batch)); predict_time += time.perf_counter() - p0
                    n += len(batch); batch = []
        if batch:
            p0 = time.perf_counter(); nb.predict(vec.transform(batch)); predict_time += time.perf_counter() - p0
            n += len(batch)
        totals.append(time.perf_counter() - t0)
        predicts.append(predict_time)
    t, p = statistics.median(totals), statistics.median(predicts)
    print(json.dumps({'sklearn_s': t, 'sklearn_pps': n / t, 'sklearn_mbps': size / 1e6 / t, 'sklearn_predict_mbps': size / 1e6 / p}))


if __name__ == '__main__':
    main()
