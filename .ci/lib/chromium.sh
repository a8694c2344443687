# Sourced by the browser steps (.ci/steps/4*.sh; not a step itself): Debian's chromium,
# installed when missing (never a browser download of a tool's own). CHROMIUM names another
# binary.
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "chromium missing: apt-get install -y chromium"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 ||
    echo "apt-get install chromium failed"
fi
