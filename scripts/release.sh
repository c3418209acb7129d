#!/usr/bin/env bash
# Builds a release into dist/: dumpsync_<version>_windows_amd64.zip,
# _windows_arm64.zip and _linux_amd64.tar.gz (binary, README.md, LICENSE and
# the PowerShell module DumpSync/), SHA256SUMS, a Scoop manifest and a winget
# manifest for that version. Nothing is published.
#   scripts/release.sh [VERSION]     default: 0.0.0-snapshot+<commit>
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-0.0.0-snapshot+$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dist=dist
rm -rf "$dist"; mkdir -p "$dist"
for target in windows/amd64 windows/arm64 linux/amd64; do
  os=${target%/*} arch=${target#*/}
  name=dumpsync_${version}_${os}_${arch}
  stage=$dist/$name; mkdir -p "$stage"
  exe=dumpsync; [ "$os" = windows ] && exe=dumpsync.exe
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "-s -w -X main.version=$version -X main.commit=$commit" -o "$stage/$exe" ./cmd/dumpsync
  cp README.md LICENSE "$stage/"
  cp -r scripts/DumpSync "$stage/DumpSync"
  if [ "$os" = windows ]; then
    # zip where it is installed; else Python's zipfile (same layout).
    if command -v zip >/dev/null; then
      (cd "$stage" && zip -qr "../$name.zip" .)
    else
      (cd "$stage" && python3 -m zipfile -c "../$name.zip" $(ls -A))
    fi
  else
    tar -C "$stage" -czf "$dist/$name.tar.gz" .
  fi
  rm -rf "$stage"
done
(cd "$dist" && sha256sum -- *.zip *.tar.gz > SHA256SUMS)
sum() { awk -v f="$1" '$2 == f { print $1 }' "$dist/SHA256SUMS"; }
url=https://github.com/dumpsync/dumpsync/releases/download/v$version
cat > "$dist/dumpsync.json" <<JSON
{
  "version": "$version",
  "description": "Cleans the Resync.cfg files of Microsoft SMS 1.2: plan, review in PowerShell, apply.",
  "homepage": "https://github.com/dumpsync/dumpsync",
  "license": "See LICENSE",
  "architecture": {
    "64bit": { "url": "$url/dumpsync_${version}_windows_amd64.zip", "hash": "$(sum dumpsync_${version}_windows_amd64.zip)" },
    "arm64": { "url": "$url/dumpsync_${version}_windows_arm64.zip", "hash": "$(sum dumpsync_${version}_windows_arm64.zip)" }
  },
  "bin": "dumpsync.exe"
}
JSON
cat > "$dist/dumpsync.winget.yaml" <<YAML
# winget singleton manifest (submit to microsoft/winget-pkgs as manifests/d/dumpsync/dumpsync/$version)
PackageIdentifier: dumpsync.dumpsync
PackageVersion: $version
PackageName: dumpsync
Publisher: dumpsync
License: See LICENSE
ShortDescription: Cleans the Resync.cfg files of Microsoft SMS 1.2
Installers:
  - Architecture: x64
    InstallerType: zip
    NestedInstallerType: portable
    NestedInstallerFiles:
      - RelativeFilePath: dumpsync.exe
    InstallerUrl: $url/dumpsync_${version}_windows_amd64.zip
    InstallerSha256: $(sum dumpsync_${version}_windows_amd64.zip | tr a-f A-F)
  - Architecture: arm64
    InstallerType: zip
    NestedInstallerType: portable
    NestedInstallerFiles:
      - RelativeFilePath: dumpsync.exe
    InstallerUrl: $url/dumpsync_${version}_windows_arm64.zip
    InstallerSha256: $(sum dumpsync_${version}_windows_arm64.zip | tr a-f A-F)
ManifestType: singleton
ManifestVersion: 1.6.0
YAML
ls -l "$dist"
