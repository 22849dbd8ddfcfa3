#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded here.
# `prisma generate` only checks that the file exists; anything that truly needs
# the engine (migrate, db push) fails loudly instead of silently doing nothing.
echo "schema-engine stub: Prisma's schema engine is not installed; Recall applies migrations itself (pnpm db:migrate)." >&2
exit 1
