#!/usr/bin/env python3
"""The measurements behind `make bench` (bench/run.sh sets up the venv and calls this).

Every figure is the median of --runs runs (3 by default) on the same generated corpus:
- rhetor classify with the three built-in plugins (stance, sectarian, actor-role: what the
  targets are set for), JSONL with evidence, -o FILE: passages/s, MB/s, peak RSS, with --jobs 1
  and --jobs 2 (run alternately), and the scaling ratio (median of the paired runs' ratios);
  then the same with every plugin in the models folder;
- start-up: load every model and classify one passage;
- training a data-only plugin on the whole benchmark corpus;
- scikit-learn CountVectorizer(ngram_range=(1,2)) + MultinomialNB: JSON parsing, transform and
  predict of the same corpus (fitted beforehand on the repository corpus), single process;
and the ratio of rhetor's throughput to scikit-learn's.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TARGETS = {'jobs1_mbps': 25.0, 'scaling': 1.8, 'rss_mb': 150.0, 'startup_ms': 50.0, 'train_s': 2.0}


LAST_CPU = [0.0]


def timed(cmd, cwd=None, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd; returns (seconds, peak RSS in MiB of that child). Its CPU time (user+sys) is
    left in LAST_CPU: on a shared machine wall time also counts other people's work."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    _, _, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    LAST_CPU[0] = ru.ru_utime + ru.ru_stime
    err = p.stderr.read().decode(errors='replace')
    p.returncode = p.poll()
    if p.returncode not in (0, None):
        sys.exit(f'bench: {" ".join(cmd)} failed:\n{err}')
    return dt, ru.ru_maxrss / 1024.0


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rhetor', required=True)
    ap.add_argument('--repo', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--models')
    ap.add_argument('--no-sklearn', action='store_true')
    a = ap.parse_args()
    rhetor, work, runs = a.rhetor, a.work, max(1, a.runs)

    # 1. The corpus (cached: same seed, same corpora → same bytes).
    corpus = os.path.join(work, 'corpus.jsonl')
    if not os.path.exists(corpus):
        subprocess.run([sys.executable, os.path.join(a.repo, 'bench', 'gen_corpus.py'), os.path.join(a.repo, 'corpora'), corpus], check=True)
    size = os.path.getsize(corpus)
    with open(corpus, 'rb') as f:
        passages = sum(1 for _ in f)
    print(f'corpus: {corpus}: {passages} passages, {size / 1e6:.1f} MB')

    # 2. Models: the shipped ones, else trained from corpora/ into the work folder.
    models = a.models
    shipped = os.path.join(a.repo, 'Models')
    builtins = ('stance', 'sectarian', 'actor-role')
    if not models and os.path.isdir(shipped) and all(os.path.exists(os.path.join(shipped, b + '.model')) for b in builtins):
        models = shipped
    if not models:
        models = os.path.join(work, 'models')
        os.makedirs(models, exist_ok=True)
        if not all(os.path.exists(os.path.join(models, b + '.model')) for b in builtins):
            print('bench: ./Models lacks the built-in models; training them from corpora/ into', models)
            subprocess.run([rhetor, 'train', *builtins, '--corpus', 'corpora', '--models', models], cwd=a.repo, check=True, stdout=subprocess.DEVNULL)
    plugins = sorted(n[:-6] for n in os.listdir(models) if n.endswith('.model'))
    print(f'models: {models} ({", ".join(plugins)})')
    results = {}

    # 3. Start-up: load all models, classify one passage.
    one = os.path.join(work, 'one.jsonl')
    with open(one, 'w') as f:
        f.write(json.dumps({'id': '1', 'text': 'Iran-backed fighters fired rockets at Erbil; the US embassy condemned the attack.'}) + '\n')
    starts = []
    for _ in range(max(5, runs)):
        with open(one) as f:
            dt, _ = timed([rhetor, 'classify', '--models', models, '-q'], stdin=f)
        starts.append(dt * 1000)
    results['startup_ms'] = median(starts)

    # 4. Throughput with --jobs 1 and --jobs 2: the built-in plugins (the targets' definition),
    # then every plugin in the models folder (prefix "all_").
    out = os.path.join(work, 'out.jsonl')
    # The two job counts run alternately, so that a machine that slows down or speeds up
    # during the benchmark moves both alike; scaling is the median of the paired ratios.
    for prefix, chosen in (('', builtins), ('all_', plugins)):
        times, rss, cpus = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
        for _ in range(runs):
            for jobs in (1, 2):
                dt, mx = timed([rhetor, 'classify', '--models', models, '--plugins', ','.join(chosen), '--jobs', str(jobs), '-q', corpus, '-o', out])
                times[jobs].append(dt); rss[jobs].append(mx); cpus[jobs].append(LAST_CPU[0])
        for jobs in (1, 2):
            t = median(times[jobs])
            results[f'{prefix}jobs{jobs}_cpu_s'] = median(cpus[jobs])
            results[f'{prefix}jobs{jobs}_s'] = t
            results[f'{prefix}jobs{jobs}_pps'] = passages / t
            results[f'{prefix}jobs{jobs}_mbps'] = size / 1e6 / t
            results[f'{prefix}jobs{jobs}_rss'] = max(rss[jobs])
        results[f'{prefix}scaling'] = median([a / b for a, b in zip(times[1], times[2])])
        results[f'{prefix}out_mb'] = os.path.getsize(out) / 1e6

    # 5. Training a data-only plugin on the whole corpus (label: genre).
    tdir = os.path.join(work, 'train')
    os.makedirs(os.path.join(tdir, 'Plugins', 'benchgenre'), exist_ok=True)
    genres = ['wire', 'analysis', 'opinion', 'statement', 'state-media', 'social', 'speech']
    with open(os.path.join(tdir, 'Plugins', 'benchgenre', 'plugin.json'), 'w') as f:
        json.dump({'id': 'benchgenre', 'summary': 'benchmark: genre', 'labels': genres, 'field': 'genre'}, f)
    trains, train_rss = [], []
    for _ in range(runs):
        dt, mx = timed([rhetor, 'train', 'benchgenre', '--corpus', corpus, '--models', os.path.join(tdir, 'models')], cwd=tdir)
        trains.append(dt); train_rss.append(mx)
    results['train_s'] = median(trains)
    results['train_rss'] = max(train_rss)

    # 6. scikit-learn on the same corpus, single process.
    if not a.no_sklearn:
        skl = subprocess.run([sys.executable, os.path.join(a.repo, 'bench', 'sklearn_bench.py'), corpus, os.path.join(a.repo, 'corpora'), str(runs)],
                             check=True, capture_output=True, text=True)
        results.update(json.loads(skl.stdout.strip().splitlines()[-1]))

    def mark(ok):
        return 'ok' if ok else 'MISSED'

    r = results
    print()
    print(f'{"measure":44} {"median":>14}  target')
    print(f'{"rhetor classify --jobs 1 (3 built-in plugins)":44} {r["jobs1_mbps"]:10.1f} MB/s  >= {TARGETS["jobs1_mbps"]} MB/s  {mark(r["jobs1_mbps"] >= TARGETS["jobs1_mbps"])}')
    print(f'{"":44} {r["jobs1_pps"]:10.0f} pas/s')
    print(f'{"  (per CPU-second, whatever the machine load)":44} {size / 1e6 / r["jobs1_cpu_s"]:10.1f} MB/cpu-s')
    print(f'{"rhetor classify --jobs 2":44} {r["jobs2_mbps"]:10.1f} MB/s')
    print(f'{"":44} {r["jobs2_pps"]:10.0f} pas/s')
    print(f'{"scaling --jobs 2 / --jobs 1":44} {r["scaling"]:10.2f} x     >= {TARGETS["scaling"]}x  {mark(r["scaling"] >= TARGETS["scaling"])}')
    print(f'{"  CPU time jobs 2 / jobs 1 (1.0 = no overhead)":44} {r["jobs2_cpu_s"] / r["jobs1_cpu_s"]:10.2f}')
    if os.getloadavg()[0] > 2.5:
        print(f'{"  warning: load average":44} {os.getloadavg()[0]:10.1f}       other work shares the cores: wall-time figures are low')
    print(f'{"peak RSS (max over runs, jobs 1 / jobs 2)":44} {r["jobs1_rss"]:6.0f} / {r["jobs2_rss"]:.0f} MiB  < {TARGETS["rss_mb"]:.0f} MiB  {mark(max(r["jobs1_rss"], r["jobs2_rss"]) < TARGETS["rss_mb"])}')
    print(f'{"start-up (load models, classify one passage)":44} {r["startup_ms"]:10.1f} ms    < {TARGETS["startup_ms"]:.0f} ms  {mark(r["startup_ms"] < TARGETS["startup_ms"])}')
    print(f'{"train a data-only plugin on the corpus":44} {r["train_s"]:10.2f} s     < {TARGETS["train_s"]} s  {mark(r["train_s"] < TARGETS["train_s"])}  (peak RSS {r["train_rss"]:.0f} MiB)')
    print(f'{"output (JSONL with evidence)":44} {r["out_mb"]:10.1f} MB')
    print(f'{f"all {len(plugins)} plugins: --jobs 1 / --jobs 2":44} {r["all_jobs1_mbps"]:10.1f} / {r["all_jobs2_mbps"]:.1f} MB/s  (scaling {r["all_scaling"]:.2f}x, peak RSS {max(r["all_jobs1_rss"], r["all_jobs2_rss"]):.0f} MiB, output {r["all_out_mb"]:.0f} MB)')
    if 'sklearn_mbps' in r:
        print(f'{"scikit-learn CountVectorizer(1,2)+MultinomialNB":44} {r["sklearn_mbps"]:10.1f} MB/s')
        print(f'{"":44} {r["sklearn_pps"]:10.0f} pas/s  (predict only: {r["sklearn_predict_mbps"]:.1f} MB/s)')
        print(f'{"ratio rhetor --jobs 1 / scikit-learn":44} {r["jobs1_mbps"] / r["sklearn_mbps"]:10.2f} x')
        print(f'{"ratio rhetor --jobs 2 / scikit-learn":44} {r["jobs2_mbps"] / r["sklearn_mbps"]:10.2f} x')
    print()
    print('medians of', runs, f'runs; rhetor does JSON parsing, the built-in plugins ({", ".join(builtins)}; stance: 6 targets)')
    print(f'or all {len(plugins)} ({", ".join(plugins)}),')
    print('evidence and JSONL output;')
    print('scikit-learn does JSON parsing, vectorising and predicting one passage-level label.')
    with open(os.path.join(work, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
