#!/usr/bin/env bash
# The README's walk-through ("Walk-through with curl"), runnable: `npm run dev` in one terminal, then
# `scripts/tour.sh` (or API=https://… scripts/tour.sh). It can be run again and again: each run registers
# a new customer. Needs curl and jq. test/integration/tour.test.ts runs it twice and checks that the
# README shows exactly these commands.
set -euo pipefail
api() { curl -sS --fail-with-body "$@"; }
API=${API:-http://localhost:8787/api/v1}
# 1. A customer registers (public sign-up always creates a `user`); a new address on every run.
EMAIL="grace+$(date +%s)-$RANDOM@example.com"
USER_TOKEN=$(api $API/auth/register -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"correct horse battery\",\"name\":\"Grace Hopper\"}" | jq -r .accessToken)

# 2. She raises a ticket: status `new`; every agent gets a "New ticket" email (her acknowledgement waits
#    until she verifies her address: the verification link is in the dev inbox).
TICKET=$(api $API/tickets -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' \
  -d '{"subject":"Cannot print invoices","body":"The printer says: PC LOAD LETTER.","tags":["printer"]}' | jq -r .id)

# 3. An agent logs in, takes the ticket and answers it. The first public staff reply moves it to `open`.
AGENT_TOKEN=$(api $API/auth/login -H 'Content-Type: application/json' \
  -d '{"email":"agent@example.com","password":"demo-agent-pass"}' | jq -r .accessToken)
AGENT_ID=$(api $API/me -H "Authorization: Bearer $AGENT_TOKEN" | jq -r .id)
ETAG=$(api -o /dev/null -D - $API/tickets/$TICKET -H "Authorization: Bearer $AGENT_TOKEN" |
  tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
api -X PATCH $API/tickets/$TICKET -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' \
  -H "If-Match: $ETAG" -d "{\"assigneeId\":\"$AGENT_ID\",\"priority\":\"high\"}" | jq '{status, priority, assignee: .assignee.name, version}'
api $API/tickets/$TICKET/messages -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' \
  -d '{"body":"Load letter-size paper in tray 2, then print again."}' | jq '{author: .author.name, internal}'
api $API/tickets/$TICKET/messages -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' \
  -d '{"body":"Third time this week for this customer.","internal":true}' > /dev/null   # staff only

# 4. Grace reads the conversation (no internal note in it) and marks the ticket solved.
api $API/tickets/$TICKET/messages -H "Authorization: Bearer $USER_TOKEN" | jq -r '.data[] | "\(.author.name): \(.body)"'
api $API/tickets/$TICKET/transitions -H "Authorization: Bearer $USER_TOKEN"        # what may she do now?
echo
api $API/tickets/$TICKET/transitions -H "Authorization: Bearer $USER_TOKEN" -H 'Content-Type: application/json' \
  -d '{"to":"solved"}' | jq '{status, solvedAt, version}'

# 5. The audit trail, and the emails it caused (staff only). Mail lands in http://localhost:8025.
api $API/tickets/$TICKET/events -H "Authorization: Bearer $AGENT_TOKEN" | jq -r '.data[] | "\(.type) by \(.actor.name // "system") \(.data | tostring)"'
api $API/tickets/$TICKET/notifications -H "Authorization: Bearer $AGENT_TOKEN" | jq -r '.data[] | "\(.event) → \(.recipient): \(.status)"'
