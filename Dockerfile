# zhurnal image: `docker build -t zhurnal .`, then e.g.
#   docker run --rm -v zhurnal-data:/data zhurnal migrate
#   docker run -p 8080:8080 -v zhurnal-data:/data -e ZHURNAL_SECRET_KEY=... zhurnal
# Every build step is one the Makefile also runs (venv, pip install -c constraints.txt -e, python -m locales).

FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
COPY . .
# The editable install points the venv at /app, so the runtime stage keeps both at the same paths.
RUN python -m venv .venv \
    && .venv/bin/pip install -c constraints.txt -e . \
    && .venv/bin/python -m locales


FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    ZHURNAL_DATABASE_URL=sqlite+aiosqlite:////data/zhurnal.sqlite3 \
    ZHURNAL_WEB_HOST=0.0.0.0 \
    ZHURNAL_WEB_PORT=8080

RUN groupadd --system zhurnal \
    && useradd --system --gid zhurnal --home-dir /data --shell /usr/sbin/nologin zhurnal \
    && mkdir /data \
    && chown zhurnal:zhurnal /data

WORKDIR /app
# Owned by root and read-only for the service user: catalogs are compiled at build time, not at start.
COPY --from=builder /app /app

USER zhurnal
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["zhurnal"]
CMD ["run"]
