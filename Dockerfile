# Palier in a container: `docker build -t palier .` then
#   docker run -p 8501:8501 -v palier-data:/data palier
# The store lives in the /data volume, so it survives new containers and new images.
# Sharing (sign-in) is configured by mounting a secrets file, see docs/hosting.md:
#   -v "$PWD/secrets.toml:/app/.streamlit/secrets.toml:ro"
FROM python:3.11-slim

# The store in the volume; a hosted Palier starts empty (the demo is for a first local try).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PALIER_DB=/data/palier.duckdb \
    PALIER_DEMO=0

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

# A user without a login shell or root rights runs the app; it owns only the store volume.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin palier \
    && mkdir -p /data && chown palier:palier /data

COPY --chown=root:root . .

USER palier
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"

# 0.0.0.0: listen on the container's interface, so `-p 8501:8501` reaches it. The rest of the
# settings (no usage statistics, XSRF on, 200 MB uploads) come from .streamlit/config.toml.
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]
