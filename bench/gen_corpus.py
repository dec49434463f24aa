#!/usr/bin/env python3
"""Deterministic benchmark corpus for `make bench`.

Recombines the sentences of corpora/ (every .jsonl under it) into new passages: each passage
takes 1-4 sentences drawn with a seeded PRNG, so the actor mentions, stance cues and sectarian
vocabulary of the real corpus are all present and every plugin has work to do. The output is
JSONL {"id","text","genre"}; `genre` is the genre of the passage's first sentence's source, a
label a data-only plugin can be trained on (the training benchmark).

Same seed, same corpora → byte-identical output (Python's random.Random is stable across
versions for random(), randrange() and choice()).

usage: gen_corpus.py CORPORA_DIR OUT.jsonl [--passages N] [--min-mb M] [--seed S]
"""
import argparse
import json
import os
import random
import re
import sys

# A sentence ends at . ! or ? followed by space and an upper-case letter or opening quote.
SENTENCE_END = re.compile(r'(?:(?<=[.!?])|(?<=[.!?]["”’)]))\s+(?=["“(A-Z])')


def sentences(corpora):
    out = []
    files = []
    for root, _, names in os.walk(corpora):
        files += [os.path.join(root, n) for n in names if n.endswith('.jsonl')]
    for path in sorted(files):
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                text = r.get('text')
                if not isinstance(text, str):
                    continue
                genre = r.get('genre') or 'wire'
                for s in SENTENCE_END.split(text):
                    s = s.strip()
                    if len(s) >= 20:
                        out.append((s, genre))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('corpora')
    ap.add_argument('out')
    ap.add_argument('--passages', type=int, default=200000)
    ap.add_argument('--min-mb', type=float, default=50.0, help='keep adding passages until the file has this many MiB')
    ap.add_argument('--seed', type=int, default=20240611)
    a = ap.parse_args()
    pool = sentences(a.corpora)
    if not pool:
        sys.exit(f'{a.corpora}: no sentences found in any .jsonl file')
    rng = random.Random(a.seed)
    size = 0
    n = 0
    with open(a.out, 'w', encoding='utf-8', newline='\n') as f:
        while n < a.passages or size < a.min_mb * 1024 * 1024:
            n += 1
            k = 1 + rng.randrange(4)
            picked = [pool[rng.randrange(len(pool))] for _ in range(k)]
            rec = {'id': f'b{n:07d}', 'text': ' '.join(s for s, _ in picked), 'genre': picked[0][1]}
            line = json.dumps(rec, ensure_ascii=False) + '\n'
            f.write(line)
            size += len(line.encode('utf-8'))
    print(f'{a.out}: {n} passages, {size / 1048576:.1f} MiB (seed {a.seed})', file=sys.stderr)


if __name__ == '__main__':
    main()
