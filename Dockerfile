# digiflow: one image for web, worker, beat and the one-shot migration (docker-compose.yml).
# The processes are the ones in the Procfile; see docs/operations.md.
#
#   docker build -t digiflow .
#   docker run --rm -p 127.0.0.1:5000:5000 -e SECRET_KEY=... -e DATABASE_URL=... digiflow
#
# No secrets are baked in: SECRET_KEY, DATABASE_URL etc. come from the environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 10001 digiflow \
 && useradd --system --uid 10001 --gid digiflow --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin digiflow \
 && python -m venv /opt/venv

WORKDIR /app

# Dependencies first, in their own layer: with empty package folders the project installs
# only its pinned dependencies, so a change to the code does not download them again.
COPY pyproject.toml constraints.txt README.md ./
RUN mkdir digiflow tasks \
 && pip install --no-cache-dir -c constraints.txt . \
 && rm -rf digiflow tasks build *.egg-info

# The application. The code, templates, static files, workflows and migrations are read from
# /app (PYTHONPATH below): digiflow finds templates/, migrations/ and workflows/ next to its
# package folder, and the wheel holds only the Python modules.
COPY digiflow/ digiflow/
COPY tasks/ tasks/
COPY workflows/ workflows/
COPY templates/ templates/
COPY migrations/ migrations/
COPY wsgi.py ./
RUN pip install --no-cache-dir --no-deps -c constraints.txt . \
 && rm -rf build *.egg-info \
 && python -m compileall -q digiflow tasks wsgi.py \
 && mkdir -p /app/instance \
 && chown digiflow:digiflow /app/instance

# Instance folder: beat schedule, local mail sink, generated secret key when SECRET_KEY is
# unset. The only place the application writes to; a volume, owned by the user below.
ENV PYTHONPATH=/app \
    DIGIFLOW_INSTANCE_PATH=/app/instance \
    BIND=0.0.0.0:5000
VOLUME ["/app/instance"]

USER digiflow
EXPOSE 5000

# The Procfile's web command (BIND above makes gunicorn listen on all interfaces of the
# container; publish the port on 127.0.0.1 and put a TLS proxy in front).
CMD ["sh", "-c", "exec gunicorn --bind ${BIND:-127.0.0.1:5000} --workers ${WEB_WORKERS:-2} --threads 4 --access-logfile - wsgi:app"]
