"""Silasidakep shared package: event contracts and the infrastructure every service uses."""

import warnings

# nameko 2.14 runs on eventlet, which warns on every import that it is in maintenance mode.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated")
