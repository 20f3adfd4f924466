# syntax=docker/dockerfile:1
# One image for every Silasidakep process. The command picks the service, e.g.
#   python -m silasidakep.nameko_cli run --config services/intake/config.yaml \
#       services.intake.service:IntakeService
# docker-compose.yml and deploy/k8s/ give each service its command.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build: a virtualenv with the locked dependencies and the project -----------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /src
COPY requirements.lock ./
# requirements.lock pins the runtime only; test tools and local stand-ins are in
# requirements-dev.lock and never reach the image.
RUN pip install --no-cache-dir -r requirements.lock && pip check

COPY pyproject.toml ./
COPY silasidakep ./silasidakep
COPY services ./services
COPY gateway ./gateway
COPY cli ./cli
RUN pip install --no-cache-dir --no-deps .

# --- runtime: the virtualenv and the sources, no compilers, no dev tools, not root ----------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    SILASIDAKEP_ENV=production \
    DEV_PKI_DIR=/pki

# /pki belongs to the service user: a named volume mounted there starts with this owner, so
# the non-root migrate job can write the development CA into it.
RUN groupadd --system --gid 10001 silasidakep \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin silasidakep \
    && mkdir -p /pki \
    && chown 10001:10001 /pki

COPY --from=build /opt/venv /opt/venv

# The services are started from /app: `--config services/<name>/config.yaml` is a relative
# path, and `silasidakep migrate` finds each service's migrations next to its package.
WORKDIR /app
COPY silasidakep ./silasidakep
COPY services ./services
COPY gateway ./gateway
COPY cli ./cli

USER 10001:10001
EXPOSE 8000 8001 8002 8003 8004

CMD ["python", "-m", "silasidakep.nameko_cli", "run", "--config", "gateway/config.yaml", "gateway.service:GatewayService"]
