# Everyday commands. Recipes are one line; the logic lives in scripts/.
# `make` alone prints the help: the comment line above each `.PHONY:` is its description.
# To add a target: a one-line comment, `.PHONY: name`, then `name:` with a one-line recipe.

COMPOSE ?= docker compose
# Service for `make logs` (empty = all), e.g. `make logs S=logto`.
S ?=

.DEFAULT_GOAL := help

# Show this list of targets.
.PHONY: help
help:
	@sh scripts/env/make-help.sh $(MAKEFILE_LIST)

# Start or update the stack: creates .env with secrets on the first run, checks it, waits until healthy, prints the URLs.
.PHONY: up
up:
	@sh scripts/env/up.sh

# Build this project's images from source instead of pulling the released ones (after changing the code; `make up` then runs them; COMPOSE_FILE=compose.yaml:compose.sandbox.yaml for the emulator too).
.PHONY: build
build:
	@[ -e .env ] || sh scripts/env/generate-secrets.sh; $(COMPOSE) build

# Stop the whole stack, however it was started (`make up-sandbox`'s WeChat emulator too); the database, certificates and credentials volumes are kept.
.PHONY: down
down:
	$(COMPOSE) down --remove-orphans

# Follow the logs (all services, or one: make logs S=logto).
.PHONY: logs
logs:
	$(COMPOSE) logs -f --tail=200 $(S)

# Show the services, including finished one-shot steps.
.PHONY: ps
ps:
	$(COMPOSE) ps -a

# Run the provisioning again (console admin, app client, WeChat connector) after editing .env.
.PHONY: seed
seed:
	@sh scripts/env/seed.sh

# Fill the empty secrets of .env (creates it from .env.example if missing); never overwrites a value.
.PHONY: secrets
secrets:
	@sh scripts/env/generate-secrets.sh

# Check .env without starting anything (what `make up` checks first).
.PHONY: check-env
check-env:
	@sh scripts/env/validate.sh

# Preflight and health report (.env, Docker, ports, DNS, WeChat credentials, Logto, certificates); works with the stack down.
.PHONY: doctor
doctor:
	@sh scripts/doctor.sh

# Is everything all right? Each service's health, versions, last backup (age, pg_restore --list), disks, Logto, certificates; exit 1 when something needs attention (cron, monitoring).
.PHONY: status
status:
	@sh scripts/doctor.sh --status

# Back up Logto's database into backups/ now (timestamped, owner-only, keeps the newest BACKUP_RETENTION); the backup service does it at BACKUP_SCHEDULE.
.PHONY: backup
backup:
	@sh scripts/backup.sh

# Restore a backup: make restore FILE=backups/<name>.dump, or FILE=offsite:<snapshot>|offsite:latest from the off-site copy (asks first; YES=1 skips the question).
.PHONY: restore
restore:
	@sh scripts/restore.sh $(if $(YES),--yes) "$(FILE)"

# Upgrade Logto: make upgrade LOGTO_VERSION=x.y.z [LOGTO_IMAGE=ref] (image checked first, backup, alterations, health check, prints the rollback).
.PHONY: upgrade
upgrade:
	@sh scripts/upgrade.sh "$(LOGTO_VERSION)"

# Run the whole test suite (what .ci/run runs).
.PHONY: test
test:
	npm test

# Start the stack with the WeChat emulator instead of WeChat (testing only: wechat-emulator/README.md); leave it with `make down`.
.PHONY: up-sandbox
up-sandbox:
	@COMPOSE_FILE=compose.yaml:compose.sandbox.yaml sh scripts/env/up.sh

# Measure the stack on the test harness (seed, sign-in vs. floor, app load, memory, size) into bench/results.md (QUICK=1: fewer runs).
.PHONY: bench
bench:
	npm run bench $(if $(QUICK),-- --quick)

# The same bench on the Docker engine: the e2e Compose stack, cold and warm up times, docker stats per container, image sizes, into bench/results-compose.md (needs free ports 80/443; QUICK=1: fewer runs).
.PHONY: bench-compose
bench-compose:
	@BENCH_ARGS="$(if $(QUICK),--quick)" sh scripts/e2e-compose.sh bench

# End-to-end scenarios in Chromium against the real Compose stack with the WeChat emulator (needs Docker and free ports 80/443; removed afterwards unless E2E_KEEP=1).
.PHONY: e2e
e2e:
	@sh scripts/e2e-compose.sh

# The Compose suite on the Docker engine (tests/compose: make up, restarts, backup/restore, doctor; needs Docker and free ports 80/443; LOGTO_IMAGE picks the Logto image).
.PHONY: test-compose
test-compose:
	npm --workspace tests run test:compose

# Remove the stack `make e2e` started (its own Compose project and volumes; yours is not touched).
.PHONY: e2e-down
e2e-down:
	@sh scripts/e2e-compose.sh down
