#!/usr/bin/env python3
"""Alerts of one or more cadet binaries on the Kubernetes captures and cadet's own audit
fixtures: per file, alerts (matched and not suppressed), suppressed verdicts (kept visible)
and attack lines whose verdict holds every rule its `_expect` names. `_expect` is stripped
before scoring. Usage: bench/k8s_captures.py NAME=path/to/cadet [NAME=path ...]
"""
import json, subprocess, sys, os
bins = dict(a.split('=',1) for a in sys.argv[1:])
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, '..', 'core', 'fixtures')
shared = os.path.join(here, '..', '..', 'shared', 'data', 'negatives', 'elastic_integrations_k8s_audit')
files = ['k8s_audit/falco_k8s_audit.attack.jsonl','k8s_audit/falco_k8s_audit.benign.jsonl',
 'k8s_audit/panther_eks_audit.attack.jsonl','k8s_audit/panther_eks_audit.benign.jsonl',
 'k8s_aks/panther_aks_audit.attack.jsonl','k8s_aks/panther_aks_audit.benign.jsonl',
 'k8s_gke/panther_gke_audit.attack.jsonl','k8s_gke/panther_gke_audit.benign.jsonl',
 'k8s_audit/stages.attack.jsonl','k8s_gke/stages.attack.jsonl','k8s_audit/pods.attack.jsonl','k8s_audit/pods.benign.jsonl','k8s_audit/shapes.attack.jsonl','k8s_audit/shapes.benign.jsonl',
 os.path.join(shared, 'test-audit.log'), os.path.join(shared, 'test-kube-audit.log')]
def strip(line):
    try:
        o = json.loads(line)
    except Exception:
        return line, None
    e = o.pop('_expect', None) if isinstance(o, dict) else None
    return json.dumps(o), e
rows=[]
for f in files:
    p = f if f.startswith('/') else os.path.join(root,f)
    lines=[l for l in open(p).read().splitlines() if l.strip()]
    pairs=[strip(l) for l in lines]
    inp='\n'.join(x for x,_ in pairs)+'\n'
    res={}
    for name,b in bins.items():
        out=subprocess.run([b,'scan','--all'],input=inp.encode(),capture_output=True).stdout.decode().splitlines()
        verd=[json.loads(l).get('cadet',{}) for l in out]
        matched=[v for v in verd if v.get('matched')]
        supp=[v for v in verd if v.get('suppressed_by')]
        hit=0; exp=0
        for (x,e),v in zip(pairs,verd):
            if e and e.get('rules'):
                exp+=1
                got=set(r["id"] if isinstance(r,dict) else r for r in (v.get("rules") or []))
                if v.get('matched') and set(e['rules'])<=got: hit+=1
        res[name]=(len([v for v in matched if not v.get('suppressed_by')]),len(supp),hit,exp)
    rows.append((f.split('/')[-1] if f.startswith('/') else f,len(lines),res))
names=list(bins)
print('| file | records | '+' | '.join(f'{n}: alerts / suppressed (visible) / lines with every expected rule' for n in names)+' |')
print('|---|---:|'+'---:|'*len(names))
for f,n,res in rows:
    print(f'| `{f}` | {n} | '+' | '.join(f'{res[k][0]} / {res[k][1]} / {res[k][2]} of {res[k][3]}' for k in names)+' |')
