/**
 * The import formats as the operator sees them: the CSV header and a YAML example, with the
 * field names of the importer (collector/src/servers/import.ts; case, `_`, `-` and spaces do
 * not matter). Served as downloadable templates by /settings/import/template.{csv,yaml}.
 */

/** The CSV columns, in the template's order (intervals flattened as `<task>_interval`). */
export const CSV_COLUMNS = [
  'server_id',
  'name',
  'host',
  'port',
  'driver',
  'username',
  'password',
  'privilege',
  'cipher_suite',
  'workaround_flags',
  'tags',
  'model',
  'enabled',
  'sensors_interval',
  'sel_interval',
  'power_interval',
  'inventory_interval',
] as const;

export const CSV_HEADER = CSV_COLUMNS.join(',');

export const CSV_TEMPLATE = `${CSV_HEADER}
db-01,db-01 (rack A1),10.0.0.21,623,freeipmi,monitor,CHANGE-ME,user,3,,rack:a1 role:db,Supermicro X11DPi-NT,true,60s,60s,60s,24h
,web-02,bmc-web-02.example.net,,ipmitool,monitor,CHANGE-ME,operator,,,rack:a2,,true,30s,,off,
`;

export const YAML_TEMPLATE = `# IPMI Monitor server import. Field names: serverId, name, host, port, driver, username,
# password, privilege, cipherSuite, workaroundFlags, tags, model, enabled, intervals.
# Passwords are stored encrypted and never shown again.
defaults:
  driver: freeipmi
  username: monitor
  privilege: user
  tags: [site:fra1]
  intervals:
    sensors: 60s
    sel: 60s
    power: 60s
    inventory: 24h

servers:
  - name: db-01 (rack A1)
    serverId: db-01
    host: 10.0.0.21
    password: CHANGE-ME
    cipherSuite: 3
    model: Supermicro X11DPi-NT
    tags: [site:fra1, rack:a1, role:db]

  - name: web-02
    host: bmc-web-02.example.net
    port: 623
    password: 'CHANGE-ME'
    driver: ipmitool
    intervals: { sensors: 30s, power: off }
    enabled: true
`;

/** What each field takes, for the page's reference table. */
export const FIELD_HELP: readonly { field: string; what: string }[] = [
  {
    field: 'serverId',
    what: 'optional; derived from the name when absent (db-07.FRA1 → db-07.fra1)',
  },
  { field: 'name', what: 'display name (required unless serverId is given)' },
  { field: 'host', what: 'BMC address: IPv4, IPv6 or DNS name (required)' },
  { field: 'port', what: 'RMCP+ UDP port, default 623' },
  { field: 'driver', what: 'freeipmi (default) or ipmitool' },
  { field: 'username', what: 'BMC user, up to 16 bytes; "" for the anonymous user (required)' },
  { field: 'password', what: 'BMC password, up to 20 bytes; "" for an empty one (required)' },
  { field: 'privilege', what: 'user (default), operator or administrator: the lowest that works' },
  {
    field: 'cipherSuite',
    what: 'IPMI 2.0 cipher suite 0-19 (3 and 17 are common); empty: the driver’s',
  },
  { field: 'workaroundFlags', what: 'FreeIPMI -W flags (authcap, intel20, opensesspriv, …)' },
  { field: 'tags', what: 'labels, e.g. rack:a12 role:db (separated by spaces or ;)' },
  { field: 'model', what: 'hardware model, free text' },
  { field: 'enabled', what: 'false: configured but not polled (default true)' },
  {
    field: 'intervals',
    what: 'sensors / sel / power / inventory: 60s, 5m, 24h, 1d or off; empty: the collector’s default (60s, 60s, 60s, 24h); minimum 5s',
  },
];
