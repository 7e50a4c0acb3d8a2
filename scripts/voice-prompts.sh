#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the kiosk's spoken prompts (assets/voice/*.wav) with espeak-ng:
# one short sentence per outcome, in Chinese (Mandarin) and English.
# Run it again after changing a sentence; the WAV files are committed so
# that neither a build nor a kiosk needs a speech engine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v espeak-ng >/dev/null || { apt-get update -qq && apt-get install -y -qq espeak-ng; }
out=assets/voice
mkdir -p "$out"
say() { # language voice name text
  espeak-ng -v "$2" -s "${SPEED:-165}" -w "$out/$3-$1.wav" "$4"
  echo "$out/$3-$1.wav: $4"
}
say zh cmn welcome "欢迎你"
say zh cmn repeat "你今天已经签到了"
say zh cmn refused "没有识别，请再试一次"
say en en-gb welcome "Welcome, you are checked in"
say en en-gb repeat "You have already checked in today"
say en en-gb refused "Not recognised. Please try again"
