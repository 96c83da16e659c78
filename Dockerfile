# nuesync listen as a container: non-root, config and secrets from outside, health on /healthz.
#
#   docker build -t nuesync .
#   docker run -d -p 8787:8787 -v $PWD/nuesync.toml:/etc/nuesync/nuesync.toml:ro \
#       -v nuesync-state:/var/lib/nuesync -e NUE_API_KEY -e SF_USERNAME -e SF_CLIENT_ID -e SF_PRIVATE_KEY \
#       -e NUESYNC_WEBHOOK_SECRET nuesync
#
# The config's sync.state_path should point into /var/lib/nuesync (a volume): the journal holds
# every acknowledged delivery until it is synced.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md LICENSE nuesync.example.toml ./
COPY nuesync ./nuesync
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /dist

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 nuesync \
    && mkdir -p /etc/nuesync /var/lib/nuesync \
    && chown nuesync /var/lib/nuesync
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm /tmp/*.whl
USER nuesync
ENV NUESYNC_CONFIG=/etc/nuesync/nuesync.toml \
    XDG_STATE_HOME=/var/lib/nuesync \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/nuesync"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8787/healthz', timeout=4).status != 200)"
STOPSIGNAL SIGTERM
ENTRYPOINT ["nuesync"]
CMD ["--json", "listen", "--host", "0.0.0.0", "--port", "8787"]
