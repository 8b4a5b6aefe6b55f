"""Press: accreditations, followed steps and their invitations, press kits."""
