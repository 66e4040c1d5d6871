#!/usr/bin/env python3
"""Split a ../shared/bench/gen_corpus.py repository into one repository per group of services,
for the organisation-wide benchmark (benches/org.sh).

    python3 benches/split_corpus.py SRC DEST [SERVICES_PER_REPO]

Each DEST/repo-NNN holds its services' k8s manifests, compose entries and service folders;
DEST/infra holds the compose entries that are not services (the shared databases), as a
platform repository would.
"""
import os
import shutil
import sys


def compose_blocks(path):
    """The top-level service blocks of a compose file, by name, in order."""
    blocks, name = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("services:"):
                continue
            if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
                name = line.strip()[:-1]
                blocks[name] = []
            if name is not None:
                blocks[name].append(line)
    return blocks


def main():
    src, dest = sys.argv[1], sys.argv[2]
    per_repo = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    blocks = compose_blocks(os.path.join(src, "docker-compose.yml"))
    services = sorted(n for n in blocks if os.path.isdir(os.path.join(src, "services", n)))
    others = [n for n in blocks if n not in services]
    if os.path.exists(dest):
        shutil.rmtree(dest)
    groups = [services[i : i + per_repo] for i in range(0, len(services), per_repo)]
    for g, members in enumerate(groups):
        repo = os.path.join(dest, f"repo-{g:03d}")
        os.makedirs(os.path.join(repo, "k8s"))
        with open(os.path.join(repo, "docker-compose.yml"), "w") as out:
            out.write("services:\n")
            for n in members:
                out.writelines(blocks[n])
        for n in members:
            shutil.copy(os.path.join(src, "k8s", f"{n}.yaml"), os.path.join(repo, "k8s"))
            shutil.copytree(os.path.join(src, "services", n), os.path.join(repo, "services", n))
    infra = os.path.join(dest, "infra")
    os.makedirs(infra)
    with open(os.path.join(infra, "docker-compose.yml"), "w") as out:
        out.write("services:\n")
        for n in others:
            out.writelines(blocks[n])
    print(f"{len(groups)} repositories of up to {per_repo} services, and infra with {len(others)} entries")


if __name__ == "__main__":
    main()
