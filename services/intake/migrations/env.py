from services.intake.models import metadata
from silasidakep.migrations import run_env

run_env(metadata)
