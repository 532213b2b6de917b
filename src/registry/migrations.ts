/**
 * The registry schema, as numbered migrations. A migration, once released, never changes:
 * add a new one. `Registry.open` applies the missing ones in order, in one transaction
 * under an advisory lock, so concurrent first runs do not race.
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "tenants, keys, secret documents, audit chain, apply lock",
    sql: `
create table tenants (
  id                text primary key,
  status            text not null check (status in ('active', 'suspended', 'decommissioned')),
  -- the current age recipient (public); null until the tenant has keys
  public_key        text,
  key_version       integer not null default 0,
  rotated_at        timestamptz,
  rotation_due_at   timestamptz,
  decommissioned_at timestamptz,
  -- from the tenant file: how long keys and data outlive decommissioning / a rotation
  retention_days    integer check (retention_days >= 0),
  -- set when every identity of a decommissioned tenant was destroyed (crypto-shredding)
  keys_shredded_at  timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now()
);

create table tenant_keys (
  tenant_id         text not null references tenants (id),
  version           integer not null check (version >= 1),
  public_key        text not null,
  public_key_sha256 text not null,
  -- the tenant's age identity, age-encrypted (armored) to the master recipients;
  -- null once purged: then no copy is left in the registry
  wrapped_identity  text,
  reason            text not null check (reason in ('initial', 'scheduled', 'emergency', 'personnel')),
  created_at        timestamptz not null default now(),
  archived_at       timestamptz,
  retain_until      timestamptz,
  purged_at         timestamptz,
  primary key (tenant_id, version),
  check ((purged_at is null) = (wrapped_identity is not null)),
  check ((archived_at is null) = (retain_until is null))
);

create table secret_documents (
  tenant_id   text primary key references tenants (id),
  version     integer not null check (version >= 1),
  -- the tenant key the document's data key is wrapped to (besides the master recipients)
  key_version integer not null,
  -- the SOPS YAML document
  document    text not null,
  updated_at  timestamptz not null default now(),
  foreign key (tenant_id, key_version) references tenant_keys (tenant_id, version)
);

create table audit_events (
  -- a tenant id, or 'bulkhead' for control-plane events (a reserved id)
  tenant_id text not null,
  seq       integer not null check (seq >= 1),
  at        timestamptz not null,
  actor     text not null,
  type      text not null,
  details   jsonb not null,
  prev_hash text not null,
  hash      text not null,
  primary key (tenant_id, seq)
);

-- the last event of each chain: appends lock this row, and verify compares against it
create table audit_heads (
  tenant_id text primary key,
  seq       integer not null,
  hash      text not null
);

-- append-only by construction; an administrator who disables this has to mean it
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only (% refused)', tg_op;
end $$;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_events_append_only();

create table apply_lock (
  singleton   boolean primary key default true check (singleton),
  holder      text not null,
  purpose     text not null,
  since       timestamptz not null,
  -- the registry session that holds the advisory lock; when it is gone the row is stale
  backend_pid integer not null
);
`,
  },
];
