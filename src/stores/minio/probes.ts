/**
 * MinIO's conformance probes: attacks drawn at random from the server's whole surface
 * (surface.ts) with the attacker's real keys — aimed at the victim's bucket, objects,
 * user and policy, at the attacker's own bucket where its policy must refuse, through
 * presigned URLs, unsigned requests, temporary credentials, path tricks and look-alike
 * bucket names — positive controls on the tenant's own bucket, and fixed attempts on
 * the listings that could reveal other tenants.
 */
import fc from "fast-check";
import type { MinioEndpoint } from "../../config.ts";
import type { Attempt, Outcome, ProbeTenant, StoreProbe } from "../../conformance/model.ts";
import { minioBucket, minioPolicy, minioUser } from "../../tenant/names.ts";
import { encodeHex, utf8 } from "../../encoding.ts";
import { ADMIN_PREFIX } from "./admin_http.ts";
import { MinioAdminClient } from "./admin.ts";
import { bucketNamesFromListXml, xmlUnescape } from "./bucket_settings.ts";
import {
  ACCESS_DENIED,
  type AnswerRules,
  classifyAnswer,
  NAME_REFUSALS,
  unanswered,
} from "./outcome.ts";
import { type CallAnswer, keyPath, type S3Call, sendCall, type Signer } from "./s3_call.ts";
import { uriEncode } from "./sigv4.ts";
import { type Aim, ALL_OPERATIONS, type Operation, operationNamed } from "./surface.ts";
import {
  lookalikeBuckets,
  objectKey,
  PATH_TRICKS,
  type PathTrick,
  trickPath,
  trickPrefix,
  wildcardBuckets,
} from "./probe_names.ts";

/** Where the probes put their own objects in a tenant's bucket. */
export const PROBE_PREFIX = "bulkhead-probe/";
/**
 * An object the probe places (with the owner's own keys) in a bucket it aims at: it
 * keeps the bucket non-empty while bucket deletion is probed, gives lookups that happen
 * before the access check an existing object, and carries a marker by which path tricks
 * show whether they reached it.
 */
export const PROBE_OBJECT_KEY = `${PROBE_PREFIX}canary`;

/** One attempt's request: plain JSON, replayable, never a secret. */
export type ProbeRequest =
  | {
    kind: "call";
    call: S3Call;
    rules: AnswerRules;
    /** Place the probe object in this bucket (with its owner's keys) before the call. */
    probeObject?: ProbeObjectPlace;
    /** For force deletes: refuse to send unless this bucket does not exist. */
    mustNotExist?: string;
  }
  | {
    /**
     * A path trick aimed at the probe object in the victim's bucket: passes when the
     * server refuses it, or when it answers without having read, changed or deleted
     * that object (the path stayed where it started).
     */
    kind: "trick";
    call: S3Call;
    effect: "read" | "write" | "delete" | "copy";
    probeObject: ProbeObjectPlace;
    /** Where a copy would land (the attacker's own bucket). */
    copyTo?: { bucket: string; key: string };
  }
  | { kind: "list-buckets"; temporary: boolean }
  | { kind: "account-info" }
  | { kind: "anonymous-list-buckets" }
  | { kind: "control"; scenario: ControlScenario; bucket: string; key: string; body: string };

export interface ProbeObjectPlace {
  bucket: string;
  /** The tenant whose keys place (and later remove) the object. */
  owner: string;
}

export const CONTROL_SCENARIOS = [
  "put-get",
  "put-head",
  "put-list",
  "delete-objects",
  "multipart-complete",
  "multipart-abort",
  "copy-within",
  "presigned-get",
  "location",
  "list-buckets",
  "temporary-put-get",
] as const;
export type ControlScenario = (typeof CONTROL_SCENARIOS)[number];

/** How an attack is sent: the ways a tenant's keys (or none) can reach the server. */
export type AttackMode =
  | "victim"
  | "own"
  | "presigned"
  | "anonymous"
  | "temporary"
  | "lookalike"
  | "trick";

export interface AttackTemplate {
  checkId: string;
  mode: AttackMode;
  /** Operation name (surface.ts); for tricks, the trick's shape. */
  operation: string;
}

const TRICK_SHAPES = ["object-get", "object-put", "object-delete", "copy-source"];
/** Refusals of a path the router cannot even match (`//bucket/…`). */
const TRICK_REFUSALS = [...NAME_REFUSALS, "BadRequest"];
const MODE_CHECK: Record<Exclude<AttackMode, "victim" | "own">, string> = {
  presigned: "S3-015",
  anonymous: "S3-016",
  temporary: "S3-021",
  lookalike: "S3-022",
  trick: "S3-018",
};

/** Every kind of attack the probes draw from, each with the check it belongs to. */
export function attackTemplates(): AttackTemplate[] {
  const out: AttackTemplate[] = [];
  for (const op of ALL_OPERATIONS) {
    if (op.victimCheck) {
      out.push({ checkId: op.victimCheck, mode: "victim", operation: op.name });
      out.push({ checkId: MODE_CHECK.temporary, mode: "temporary", operation: op.name });
    }
    if (op.ownCheck) out.push({ checkId: op.ownCheck, mode: "own", operation: op.name });
    if (op.presignable) {
      out.push({ checkId: MODE_CHECK.presigned, mode: "presigned", operation: op.name });
      out.push({ checkId: MODE_CHECK.anonymous, mode: "anonymous", operation: op.name });
    }
    if (op.lookalike) {
      out.push({ checkId: MODE_CHECK.lookalike, mode: "lookalike", operation: op.name });
    }
  }
  for (const shape of [...TRICK_SHAPES, "list-prefix", "wildcard-bucket"]) {
    out.push({ checkId: MODE_CHECK.trick, mode: "trick", operation: shape });
  }
  return out;
}

const DENIAL_ONLY: AnswerRules = { refusals: [ACCESS_DENIED], afterAccess: [] };

function rulesOf(op: Operation): AnswerRules {
  return {
    refusals: [ACCESS_DENIED, ...(op.refusals ?? [])],
    afterAccess: op.afterAccess,
    ...(op.inlineErrors && { inlineErrors: true }),
  };
}

/** The random parts of an attack. */
interface Draw {
  key: string;
  ownKey: string;
  uuid: string;
  probeName: string;
  trick: PathTrick;
  /** Picks a look-alike bucket name, and own-vs-victim for unsigned requests. */
  pick: number;
}

function describe(call: S3Call): string {
  const query = call.query?.length
    ? `?${call.query.map(([k, v]) => (v ? `${k}=${v}` : k)).join("&")}`
    : "";
  return `${call.method} ${call.path}${query}`;
}

/** Builds the attempt of `template` from `attacker` on `victim` with the drawn arguments. */
export function attackAttempt(
  template: AttackTemplate,
  attacker: string,
  victim: string,
  draw: Draw,
): Attempt {
  const own = minioBucket(attacker);
  const other = minioBucket(victim);
  const probeName = `bulkhead-probe-${draw.probeName}`;
  const ownKey = `${PROBE_PREFIX}${draw.ownKey}`;
  const aimAt = (bucket: string, who: string): Aim => ({
    bucket,
    key: draw.key,
    ownBucket: own,
    ownKey,
    user: minioUser(who),
    policy: minioPolicy(who),
    uuid: draw.uuid,
    probeName,
  });
  const attempt = (request: ProbeRequest, operation: string): Attempt => ({
    checkId: template.checkId,
    operation,
    expect: "denied",
    request,
  });

  if (template.mode === "trick") {
    const probeObject = { bucket: other, owner: victim };
    const target = trickPath(draw.trick, own, other, PROBE_OBJECT_KEY);
    const refusal: AnswerRules = { refusals: [ACCESS_DENIED, ...TRICK_REFUSALS], afterAccess: [] };
    switch (template.operation) {
      case "list-prefix": {
        const call: S3Call = {
          method: "GET",
          path: `/${own}`,
          query: [["list-type", "2"], ["prefix", trickPrefix(other)]],
          auth: "signed",
        };
        return attempt({ kind: "call", call, rules: refusal }, `${describe(call)} (list-prefix)`);
      }
      case "wildcard-bucket": {
        const names = wildcardBuckets(own);
        const call: S3Call = {
          method: "GET",
          path: keyPath(uriEncode(names[draw.pick % names.length]), draw.key),
          auth: "signed",
        };
        return attempt(
          { kind: "call", call, rules: refusal },
          `${describe(call)} (wildcard-bucket)`,
        );
      }
      case "copy-source": {
        const call: S3Call = {
          method: "PUT",
          path: keyPath(own, ownKey),
          headers: { "x-amz-copy-source": target },
          auth: "signed",
        };
        return attempt(
          {
            kind: "trick",
            call,
            effect: "copy",
            probeObject,
            copyTo: { bucket: own, key: ownKey },
          },
          `${describe(call)} (copy source ${target}, ${draw.trick})`,
        );
      }
      default: {
        const shapes = {
          "object-get": ["GET", "read"],
          "object-put": ["PUT", "write"],
          "object-delete": ["DELETE", "delete"],
        } as const;
        const [method, effect] = shapes[template.operation as keyof typeof shapes];
        const call: S3Call = {
          method,
          path: target,
          ...(method === "PUT" && { body: "bulkhead isolation probe" }),
          auth: "signed",
        };
        return attempt(
          { kind: "trick", call, effect, probeObject },
          `${describe(call)} (${draw.trick})`,
        );
      }
    }
  }

  const op = operationNamed(template.operation);
  const target = template.mode === "own"
    ? aimAt(own, attacker)
    : template.mode === "lookalike"
    ? aimAt(lookalikeFor(own, draw, op), victim)
    : template.mode === "anonymous" && draw.pick % 2 === 1
    ? aimAt(own, attacker)
    : aimAt(other, victim);
  if (op.onProbeObject) target.key = PROBE_OBJECT_KEY;
  const call: S3Call = { ...op.build(target) };
  if (template.mode === "presigned") call.auth = "presigned";
  if (template.mode === "anonymous") call.auth = "anonymous";
  if (template.mode === "temporary") call.temporary = true;
  const request: ProbeRequest = {
    kind: "call",
    call,
    rules: rulesOf(op),
    ...((op.needsGuard || op.onProbeObject) &&
      { probeObject: { bucket: target.bucket, owner: target.bucket === own ? attacker : victim } }),
    ...(op.name === "ForceDeleteBucket" && { mustNotExist: target.bucket }),
  };
  const how = template.mode === "victim" || template.mode === "own" ? "" : `${template.mode} `;
  return attempt(request, `${how}${op.name}: ${describe(call)}`);
}

/** A look-alike of `own`; force deletes only ever get a random name that nobody has. */
function lookalikeFor(own: string, draw: Draw, op: Operation): string {
  const random = `${own}-${draw.probeName}`.slice(0, 63);
  if (op.name === "ForceDeleteBucket") return random;
  const names = [...lookalikeBuckets(own), random];
  return names[draw.pick % names.length];
}

function drawArbitrary(): fc.Arbitrary<Draw> {
  return fc.record({
    key: objectKey(),
    ownKey: objectKey(),
    uuid: fc.uuid({ version: 4 }),
    probeName: fc.stringMatching(/^[a-z0-9]{8}$/),
    trick: fc.constantFrom(...PATH_TRICKS),
    pick: fc.nat({ max: 99 }),
  });
}

/**
 * Attack templates grouped by check, each check weighted by the square root of its
 * templates (at least 3): every check comes up often — a single-request check such as
 * minting an access key in about one draw in twenty — and large groups (admin,
 * temporary credentials) still get more draws than small ones.
 */
function templateArbitrary(): fc.Arbitrary<AttackTemplate> {
  const byCheck = new Map<string, AttackTemplate[]>();
  for (const t of attackTemplates()) byCheck.set(t.checkId, [...(byCheck.get(t.checkId) ?? []), t]);
  return fc.oneof(
    ...[...byCheck.values()].map((list) => ({
      weight: Math.max(3, Math.ceil(Math.sqrt(list.length))),
      arbitrary: fc.constantFrom(...list),
    })),
  );
}

export function attackArbitrary(attacker: string, victim: string): fc.Arbitrary<Attempt> {
  return fc.tuple(templateArbitrary(), drawArbitrary()).map(([template, draw]) =>
    attackAttempt(template, attacker, victim, draw)
  );
}

export function controlAttempt(
  tenant: string,
  scenario: ControlScenario,
  key: string,
  body: string,
): Attempt {
  return {
    checkId: "S3-P01",
    operation: `${scenario} ${minioBucket(tenant)}/${PROBE_PREFIX}${key}`,
    expect: "allowed",
    request: {
      kind: "control",
      scenario,
      bucket: minioBucket(tenant),
      key: `${PROBE_PREFIX}${key}`,
      body,
    },
  };
}

export function controlArbitrary(tenant: string): fc.Arbitrary<Attempt> {
  return fc.tuple(
    fc.constantFrom(...CONTROL_SCENARIOS),
    objectKey(),
    fc.string({ minLength: 1, maxLength: 64, unit: "grapheme" }),
  ).map(([scenario, key, body]) => controlAttempt(tenant, scenario, key, body));
}

export function fixedAttempts(tenants: readonly string[]): { as: string; attempt: Attempt }[] {
  return tenants.flatMap((id) => [
    {
      as: id,
      attempt: {
        checkId: "S3-006",
        operation: "ListBuckets: names another bucket than the own one",
        expect: "denied" as const,
        request: { kind: "list-buckets", temporary: false } satisfies ProbeRequest,
      },
    },
    {
      as: id,
      attempt: {
        checkId: "S3-006",
        operation: "ListBuckets with temporary credentials: names another bucket",
        expect: "denied" as const,
        request: { kind: "list-buckets", temporary: true } satisfies ProbeRequest,
      },
    },
    {
      as: id,
      attempt: {
        checkId: "S3-006",
        operation: "admin accountinfo: names another bucket than the own one",
        expect: "denied" as const,
        request: { kind: "account-info" } satisfies ProbeRequest,
      },
    },
    {
      as: id,
      attempt: {
        checkId: "S3-016",
        operation: "unsigned ListBuckets",
        expect: "denied" as const,
        request: { kind: "anonymous-list-buckets" } satisfies ProbeRequest,
      },
    },
  ]);
}

/** A listing outcome: the store's filtering counts as its refusal to reveal others. */
export function listingOutcome(names: readonly string[], ownBucket: string): Outcome {
  const others = names.filter((n) => n !== ownBucket);
  return others.length === 0
    ? {
      kind: "denied",
      code: "OnlyOwnBucketListed",
      message: `the server listed ${names.length ? names.join(", ") : "no bucket"}`,
    }
    : { kind: "allowed", detail: `the server also listed ${others.join(", ")}` };
}

function isSuccess(answer: CallAnswer): boolean {
  return answer.status < 300;
}

class StepFailure extends Error {
  constructor(readonly outcome: Outcome) {
    super(outcome.kind === "error" ? outcome.message : outcome.kind);
  }
}

/** The probes against one MinIO server; keeps the few things attempts share. */
class MinioProbe implements StoreProbe {
  readonly area = "minio" as const;
  private readonly tenants = new Map<string, ProbeTenant>();
  private readonly temporary = new Map<string, { signer: Signer; minted: number }>();
  /** Probe objects placed so far: bucket → owner and the marker it holds. */
  private readonly probeObjects = new Map<string, { owner: string; marker: string }>();
  private readonly admin: MinioAdminClient;

  constructor(private readonly endpoint: MinioEndpoint) {
    this.admin = new MinioAdminClient(endpoint);
  }

  private remember(...tenants: ProbeTenant[]) {
    for (const t of tenants) this.tenants.set(t.id, t);
  }

  attacks(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt> {
    this.remember(attacker, victim);
    return attackArbitrary(attacker.id, victim.id);
  }

  controls(tenant: ProbeTenant): fc.Arbitrary<Attempt> {
    this.remember(tenant);
    return controlArbitrary(tenant.id);
  }

  fixed(tenants: readonly ProbeTenant[]): { as: string; attempt: Attempt }[] {
    this.remember(...tenants);
    return fixedAttempts(tenants.map((t) => t.id));
  }

  private signer(tenant: ProbeTenant): Signer {
    return {
      accessKey: tenant.secret.access_key,
      secretKey: tenant.secret.secret_key,
      region: this.endpoint.region,
    };
  }

  /** Temporary credentials the tenant mints for itself (AssumeRole), reused for 10 minutes. */
  private async temporarySigner(tenant: ProbeTenant): Promise<Signer> {
    const cached = this.temporary.get(tenant.id);
    if (cached && Date.now() - cached.minted < 10 * 60_000) return cached.signer;
    const answer = await sendCall(this.endpoint.endpoint, {
      method: "POST",
      path: "/",
      service: "sts",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=AssumeRole&Version=2011-06-15&DurationSeconds=900",
      auth: "signed",
    }, this.signer(tenant));
    if (!isSuccess(answer)) {
      // Every MinIO user may call AssumeRole (S3-R01), and the STS endpoint answers a
      // wrong secret with AccessDenied: a refusal here means broken keys, never isolation.
      throw new StepFailure(this.redact({
        kind: "error",
        message:
          `could not mint temporary credentials: ${answer.code} (HTTP ${answer.status}): ${answer.message}`,
      }, tenant));
    }
    const xml = utf8.decode(answer.body);
    const field = (name: string) => {
      const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
      if (value === undefined) {
        throw new StepFailure({ kind: "error", message: `AssumeRole answer without ${name}` });
      }
      return xmlUnescape(value);
    };
    const signer = {
      accessKey: field("AccessKeyId"),
      secretKey: field("SecretAccessKey"),
      sessionToken: field("SessionToken"),
      region: this.endpoint.region,
    };
    this.temporary.set(tenant.id, { signer, minted: Date.now() });
    return signer;
  }

  /** Classifies and removes anything secret-looking the tenant holds from the text. */
  private judge(answer: CallAnswer, rules: AnswerRules, tenant: ProbeTenant): Outcome {
    return this.redact(classifyAnswer(answer, rules), tenant);
  }

  private redact(outcome: Outcome, tenant: ProbeTenant): Outcome {
    const secrets = [
      tenant.secret.secret_key,
      this.temporary.get(tenant.id)?.signer.secretKey,
      this.temporary.get(tenant.id)?.signer.sessionToken,
    ].filter((s): s is string => !!s);
    const clean = (text: string) => secrets.reduce((t, s) => t.replaceAll(s, "(secret)"), text);
    if (outcome.kind === "denied") return { ...outcome, message: clean(outcome.message) };
    if (outcome.kind === "error") return { ...outcome, message: clean(outcome.message) };
    return outcome.detail ? { ...outcome, detail: clean(outcome.detail) } : outcome;
  }

  private async send(call: S3Call, as: ProbeTenant): Promise<CallAnswer> {
    const signer = call.auth === "anonymous"
      ? undefined
      : call.temporary
      ? await this.temporarySigner(as)
      : this.signer(as);
    return await sendCall(this.endpoint.endpoint, call, signer);
  }

  private owner(id: string): ProbeTenant {
    const owner = this.tenants.get(id);
    if (!owner) throw new StepFailure({ kind: "error", message: `no credentials of ${id} known` });
    return owner;
  }

  /** Places the probe object with its owner's own keys, once per probe; returns its marker. */
  private async placeProbeObject(place: ProbeObjectPlace): Promise<string> {
    const placed = this.probeObjects.get(place.bucket);
    if (placed) return placed.marker;
    const marker = `bulkhead probe object ${randomProbeName()}${randomProbeName()}`;
    const answer = await sendCall(this.endpoint.endpoint, {
      method: "PUT",
      path: keyPath(place.bucket, PROBE_OBJECT_KEY),
      body: marker,
      auth: "signed",
    }, this.signer(this.owner(place.owner)));
    if (!isSuccess(answer)) {
      throw new StepFailure({
        kind: "error",
        message:
          `could not place the probe object in ${place.bucket} with its owner's keys: ${answer.code} (HTTP ${answer.status})`,
      });
    }
    this.probeObjects.set(place.bucket, { owner: place.owner, marker });
    return marker;
  }

  /** The probe object's content as its owner reads it; undefined when it is gone. */
  private async readProbeObject(place: ProbeObjectPlace): Promise<string | undefined> {
    const answer = await sendCall(this.endpoint.endpoint, {
      method: "GET",
      path: keyPath(place.bucket, PROBE_OBJECT_KEY),
      auth: "signed",
    }, this.signer(this.owner(place.owner)));
    if (answer.status === 404) {
      this.probeObjects.delete(place.bucket);
      return undefined;
    }
    if (!isSuccess(answer)) {
      throw new StepFailure({
        kind: "error",
        message:
          `the owner cannot read its probe object in ${place.bucket}: ${answer.code} (HTTP ${answer.status})`,
      });
    }
    return utf8.decode(answer.body);
  }

  /**
   * A path trick passes when refused, or when the probe object in the victim's bucket
   * was neither served, changed nor deleted: the path stayed where it started.
   */
  private async runTrick(
    request: Extract<ProbeRequest, { kind: "trick" }>,
    as: ProbeTenant,
  ): Promise<Outcome> {
    const marker = await this.placeProbeObject(request.probeObject);
    const answer = await this.send(request.call, as);
    const refused = this.judge(answer, {
      refusals: [ACCESS_DENIED, ...TRICK_REFUSALS],
      afterAccess: [],
    }, as);
    if (refused.kind === "denied") return refused;
    if (!isSuccess(answer) && answer.status !== 404) return refused;
    const stayed = (what: string): Outcome => ({
      kind: "denied",
      code: "NotResolvedToVictim",
      message: `answered HTTP ${answer.status}${answer.code ? ` ${answer.code}` : ""}; ${what}`,
    });
    switch (request.effect) {
      case "read":
        return utf8.decode(answer.body).includes(marker)
          ? { kind: "allowed", detail: "the answer carried the victim's probe object" }
          : stayed("the victim's object was not served");
      case "write": {
        const now = await this.readProbeObject(request.probeObject);
        if (isSuccess(answer)) {
          // It landed somewhere the attacker may write (its own bucket): remove it again.
          await this.send({ ...request.call, method: "DELETE", body: undefined }, as).catch(() =>
            undefined
          );
        }
        return now === marker
          ? stayed("the victim's object is unchanged")
          : { kind: "allowed", detail: "the victim's probe object was overwritten or removed" };
      }
      case "delete":
        return (await this.readProbeObject(request.probeObject)) === marker
          ? stayed("the victim's object is still there")
          : { kind: "allowed", detail: "the victim's probe object was deleted" };
      case "copy": {
        if (!isSuccess(answer) || !request.copyTo) return stayed("nothing was copied");
        const copied = await this.send({
          method: "GET",
          path: keyPath(request.copyTo.bucket, request.copyTo.key),
          auth: "signed",
        }, as);
        await this.send({
          method: "DELETE",
          path: keyPath(request.copyTo.bucket, request.copyTo.key),
          auth: "signed",
        }, as).catch(() => undefined);
        return utf8.decode(copied.body).includes(marker)
          ? { kind: "allowed", detail: "the victim's probe object was copied into the own bucket" }
          : stayed("what was copied is not the victim's object");
      }
    }
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.admin.request({ method: "HEAD", path: `/${bucket}` });
      return true;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return false;
      throw error;
    }
  }

  async run(attempt: Attempt, as: ProbeTenant): Promise<Outcome> {
    const request = attempt.request as ProbeRequest;
    try {
      switch (request.kind) {
        case "call": {
          if (request.mustNotExist && await this.bucketExists(request.mustNotExist)) {
            return {
              kind: "error",
              message:
                `${request.mustNotExist} exists: a force delete is never aimed at a real bucket`,
            };
          }
          if (request.probeObject) await this.placeProbeObject(request.probeObject);
          return this.judge(await this.send(request.call, as), request.rules, as);
        }
        case "list-buckets": {
          const answer = await this.send({
            method: "GET",
            path: "/",
            auth: "signed",
            temporary: request.temporary,
          }, as);
          if (!isSuccess(answer)) return this.judge(answer, DENIAL_ONLY, as);
          return listingOutcome(
            bucketNamesFromListXml(utf8.decode(answer.body)),
            minioBucket(as.id),
          );
        }
        case "account-info": {
          const answer = await this.send({
            method: "GET",
            path: `${ADMIN_PREFIX}/accountinfo`,
            auth: "signed",
          }, as);
          if (!isSuccess(answer)) return this.judge(answer, DENIAL_ONLY, as);
          const info = JSON.parse(utf8.decode(answer.body)) as { buckets?: { name: string }[] };
          return listingOutcome((info.buckets ?? []).map((b) => b.name), minioBucket(as.id));
        }
        case "trick":
          return await this.runTrick(request, as);
        case "anonymous-list-buckets":
          return this.judge(
            await this.send({ method: "GET", path: "/", auth: "anonymous" }, as),
            DENIAL_ONLY,
            as,
          );
        case "control":
          return await this.runControl(request, as);
      }
    } catch (error) {
      if (error instanceof StepFailure) return this.redact(error.outcome, as);
      return this.redact(unanswered(error), as);
    }
  }

  /** Runs a control's steps; every step must succeed, reads must return what was written. */
  private async runControl(
    request: Extract<ProbeRequest, { kind: "control" }>,
    as: ProbeTenant,
  ): Promise<Outcome> {
    const { bucket, key, body } = request;
    const written = new Set<string>();
    let steps = 0;
    const step = async (call: S3Call, signer?: Signer): Promise<CallAnswer> => {
      const answer = signer
        ? await sendCall(this.endpoint.endpoint, call, signer)
        : await this.send(call, as);
      steps++;
      if (!isSuccess(answer)) {
        const judged = this.judge(answer, DENIAL_ONLY, as);
        throw new StepFailure(
          judged.kind === "denied"
            ? { ...judged, message: `${describe(call)}: ${judged.message}` }
            : {
              kind: "error",
              message: `${
                describe(call)
              }: ${answer.code} (HTTP ${answer.status}): ${answer.message}`,
            },
        );
      }
      return answer;
    };
    const put = async (k: string, signer?: Signer) => {
      written.add(k);
      await step({ method: "PUT", path: keyPath(bucket, k), body, auth: "signed" }, signer);
    };
    const readBack = async (call: S3Call, signer?: Signer) => {
      const got = utf8.decode((await step(call, signer)).body);
      if (got !== body) {
        throw new StepFailure({
          kind: "error",
          message: `${describe(call)} read back other content`,
        });
      }
    };
    try {
      switch (request.scenario) {
        case "put-get":
          await put(key);
          await readBack({ method: "GET", path: keyPath(bucket, key), auth: "signed" });
          break;
        case "put-head":
          await put(key);
          await step({ method: "HEAD", path: keyPath(bucket, key), auth: "signed" });
          break;
        case "put-list": {
          await put(key);
          const xml = utf8.decode(
            (await step({
              method: "GET",
              path: `/${bucket}`,
              query: [["list-type", "2"], ["prefix", key]],
              auth: "signed",
            })).body,
          );
          const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
          if (!keys.includes(key)) {
            throw new StepFailure({
              kind: "error",
              message: "the listing does not show the key just written",
            });
          }
          break;
        }
        case "delete-objects": {
          await put(key);
          await put(`${key}.2`);
          const xmlKey = (k: string) => k.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
          const answer = await step({
            method: "POST",
            path: `/${bucket}`,
            query: [["delete", ""]],
            body: `<Delete><Object><Key>${xmlKey(key)}</Key></Object><Object><Key>${
              xmlKey(`${key}.2`)
            }</Key></Object></Delete>`,
            contentMd5: true,
            auth: "signed",
          });
          const judged = this.judge(answer, { ...DENIAL_ONLY, inlineErrors: true }, as);
          if (judged.kind !== "allowed") throw new StepFailure(judged);
          written.clear();
          break;
        }
        case "multipart-complete":
        case "multipart-abort": {
          const init = utf8.decode(
            (await step({
              method: "POST",
              path: keyPath(bucket, key),
              query: [["uploads", ""]],
              auth: "signed",
            })).body,
          );
          const uploadId = xmlUnescape(/<UploadId>([^<]*)<\/UploadId>/.exec(init)?.[1] ?? "");
          if (!uploadId) {
            throw new StepFailure({ kind: "error", message: "initiate answered no UploadId" });
          }
          written.add(key);
          const part = await step({
            method: "PUT",
            path: keyPath(bucket, key),
            query: [["partNumber", "1"], ["uploadId", uploadId]],
            body,
            auth: "signed",
          });
          await step({
            method: "GET",
            path: keyPath(bucket, key),
            query: [["uploadId", uploadId]],
            auth: "signed",
          });
          await step({
            method: "GET",
            path: `/${bucket}`,
            query: [["uploads", ""]],
            auth: "signed",
          });
          if (request.scenario === "multipart-abort") {
            await step({
              method: "DELETE",
              path: keyPath(bucket, key),
              query: [["uploadId", uploadId]],
              auth: "signed",
            });
            break;
          }
          const etag = part.headers.get("etag") ?? "";
          await step({
            method: "POST",
            path: keyPath(bucket, key),
            query: [["uploadId", uploadId]],
            body:
              `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
            auth: "signed",
          });
          await readBack({ method: "GET", path: keyPath(bucket, key), auth: "signed" });
          break;
        }
        case "copy-within": {
          await put(key);
          written.add(`${key}.copy`);
          await step({
            method: "PUT",
            path: keyPath(bucket, `${key}.copy`),
            headers: { "x-amz-copy-source": keyPath(bucket, key) },
            auth: "signed",
          });
          await readBack({ method: "GET", path: keyPath(bucket, `${key}.copy`), auth: "signed" });
          break;
        }
        case "presigned-get":
          await put(key);
          await readBack({ method: "GET", path: keyPath(bucket, key), auth: "presigned" });
          break;
        case "location":
          await step({
            method: "GET",
            path: `/${bucket}`,
            query: [["location", ""]],
            auth: "signed",
          });
          break;
        case "list-buckets": {
          const names = bucketNamesFromListXml(
            utf8.decode((await step({ method: "GET", path: "/", auth: "signed" })).body),
          );
          if (!names.includes(bucket)) {
            throw new StepFailure({
              kind: "error",
              message: `ListBuckets does not name ${bucket}`,
            });
          }
          break;
        }
        case "temporary-put-get": {
          const temporary = await this.temporarySigner(as);
          await put(key, temporary);
          await readBack({ method: "GET", path: keyPath(bucket, key), auth: "signed" }, temporary);
          break;
        }
      }
      return { kind: "allowed", detail: `${steps} request(s) answered as the workload needs` };
    } finally {
      for (const k of written) {
        await sendCall(this.endpoint.endpoint, {
          method: "DELETE",
          path: keyPath(bucket, k),
          auth: "signed",
        }, this.signer(as))
          .catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    for (const [bucket, { owner }] of this.probeObjects) {
      const tenant = this.tenants.get(owner);
      if (!tenant) continue;
      await sendCall(
        this.endpoint.endpoint,
        { method: "DELETE", path: keyPath(bucket, PROBE_OBJECT_KEY), auth: "signed" },
        this.signer(tenant),
      ).catch(() => undefined);
    }
    this.probeObjects.clear();
  }
}

/** Opens the probes against `endpoint`; fails when the server does not answer. */
export async function openMinioProbe(endpoint: MinioEndpoint): Promise<StoreProbe> {
  const answer = await sendCall(
    endpoint.endpoint,
    { method: "GET", path: "/minio/health/live", auth: "anonymous" },
    undefined,
    5_000,
  );
  if (answer.status !== 200) {
    throw new Error(
      `minio at ${new URL(endpoint.endpoint).host} is not live (HTTP ${answer.status})`,
    );
  }
  return new MinioProbe(endpoint);
}

/** For tests: a random 8-character suffix as the probes draw them. */
export function randomProbeName(): string {
  return encodeHex(crypto.getRandomValues(new Uint8Array(4)));
}
