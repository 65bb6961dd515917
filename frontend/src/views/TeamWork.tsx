// The team page's working parts: coverage, invitations, posts, decisions and tasks.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMutation, useQuery } from "urql";
import { graphql } from "../gql";
import type { TeamPostsQuery, TeamWorkQuery } from "../gql/graphql";
import { Badge, ErrorNote, Loading } from "../components/common";
import { instName } from "./lookups";

const TeamWorkDoc = graphql(`
  query TeamWork($id: ID!) {
    team(id: $id) {
      id
      members {
        person {
          id
          name
        }
      }
      coverage {
        leadInstitutionMissing
        institutions {
          stake
          missing
          institution {
            id
            code
            nameLv
            nameEn
          }
          representatives {
            id
            name
          }
        }
      }
      invitations {
        id
        status
        role
        allocation
        expiresAt
        person {
          id
          name
        }
      }
      decisions {
        id
        text
        date
        legalBasis
      }
      tasks {
        id
        title
        status
        dueDate
        assignee {
          id
          name
        }
      }
    }
  }
`);

const TeamPostsDoc = graphql(`
  query TeamPosts($id: ID!) {
    team(id: $id) {
      id
      posts(first: 10) {
        totalCount
        nodes {
          id
          body
          createdAt
          author {
            id
            name
          }
          mentions {
            id
            name
          }
          replies {
            id
            body
            createdAt
            author {
              id
              name
            }
            mentions {
              id
              name
            }
          }
        }
      }
    }
  }
`);

const Withdraw = graphql(`
  mutation WithdrawInvitation($id: ID!) {
    withdrawInvitation(invitationId: $id) {
      id
      status
    }
  }
`);

const CreatePost = graphql(`
  mutation CreatePost($input: PostInput!) {
    createPost(input: $input) {
      id
    }
  }
`);

const RecordDecision = graphql(`
  mutation RecordDecision($input: DecisionInput!) {
    recordDecision(input: $input) {
      id
    }
  }
`);

const CreateTask = graphql(`
  mutation CreateTask($input: TaskInput!) {
    createTask(input: $input) {
      id
    }
  }
`);

const UpdateTask = graphql(`
  mutation UpdateTaskStatus($id: ID!, $patch: TaskPatch!) {
    updateTask(id: $id, patch: $patch) {
      id
      status
    }
  }
`);

const TASK_STATUSES = ["TODO", "IN_PROGRESS", "DONE", "CANCELLED"] as const;
const OPEN_INVITATION = new Set(["PENDING", "AWAITING_APPROVAL"]);

export function TeamWork({ teamId }: { teamId: string }) {
  const { t, i18n } = useTranslation();
  const [result, refetch] = useQuery({ query: TeamWorkDoc, variables: { id: teamId } });
  const reload = () => refetch({ requestPolicy: "network-only" });
  const team = result.data?.team;
  const format = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });
  return (
    <>
      <ErrorNote error={result.error} />
      <Loading show={!team && result.fetching}>
        {team && (
          <>
            <p>
              <Link to={`/formation?team=${team.id}`}>{t("work.findMembers")}</Link>
            </p>
            <section aria-labelledby="coverage-h">
              <h2 id="coverage-h">{t("teams.coverage")}</h2>
              {team.coverage.leadInstitutionMissing && (
                <p className="warning" data-testid="lead-missing">
                  <strong>{t("work.attention")}: </strong>
                  {t("work.leadMissing")}
                </p>
              )}
              {team.coverage.institutions.length === 0 ? (
                <p>{t("work.noAffected")}</p>
              ) : (
                <table data-testid="coverage">
                  <thead>
                    <tr>
                      <th scope="col">{t("people.institution")}</th>
                      <th scope="col">{t("issues.stake")}</th>
                      <th scope="col">{t("work.representatives")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {team.coverage.institutions.map((c) => (
                      <tr key={c.institution.id}>
                        <td>{instName(c.institution, i18n.language)}</td>
                        <td>{t(`enums.Stake.${c.stake}`)}</td>
                        <td>
                          {c.missing ? (
                            <strong>{t("work.missing")}</strong>
                          ) : (
                            c.representatives.map((p, n) => (
                              <span key={p.id}>
                                {n > 0 && ", "}
                                <Link to={`/people/${p.id}`}>{p.name}</Link>
                              </span>
                            ))
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <Invitations invitations={team.invitations} onChange={reload} />
            <Posts teamId={team.id} format={format} />
            <Decisions teamId={team.id} decisions={team.decisions} onChange={reload} />
            <Tasks
              teamId={team.id}
              tasks={team.tasks}
              members={team.members.map((m) => m.person)}
              onChange={reload}
            />
          </>
        )}
      </Loading>
    </>
  );
}

type Team = NonNullable<TeamWorkQuery["team"]>;

function Invitations({ invitations, onChange }: { invitations: Team["invitations"]; onChange: () => void }) {
  const { t } = useTranslation();
  const [withdrawn, withdraw] = useMutation(Withdraw);
  return (
    <section aria-labelledby="invitations-h">
      <h2 id="invitations-h">{t("teams.invitations")}</h2>
      <ErrorNote error={withdrawn.error} />
      {invitations.length === 0 ? (
        <p>{t("work.noInvitations")}</p>
      ) : (
        <table data-testid="invitations">
          <thead>
            <tr>
              <th scope="col">{t("people.name")}</th>
              <th scope="col">{t("teams.role")}</th>
              <th scope="col">{t("teams.allocation")}</th>
              <th scope="col">{t("teams.status")}</th>
              <th scope="col">{t("work.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((inv) => (
              <tr key={inv.id}>
                <td>
                  <Link to={`/people/${inv.person.id}`}>{inv.person.name}</Link>
                </td>
                <td>{t(`enums.Role.${inv.role}`)}</td>
                <td>{inv.allocation}%</td>
                <td>
                  <Badge group="InvitationStatus" value={inv.status} />
                </td>
                <td>
                  {OPEN_INVITATION.has(inv.status) && (
                    <button
                      type="button"
                      disabled={withdrawn.fetching}
                      aria-label={t("work.withdrawFor", { name: inv.person.name })}
                      onClick={async () => {
                        const r = await withdraw({ id: inv.id });
                        if (!r.error) onChange();
                      }}
                    >
                      {t("work.withdraw")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type PostItem = NonNullable<TeamPostsQuery["team"]>["posts"]["nodes"][number];

function PostBody({ post, format }: { post: Pick<PostItem, "body" | "createdAt" | "author" | "mentions">; format: Intl.DateTimeFormat }) {
  const { t } = useTranslation();
  return (
    <>
      <p className="post-meta">
        <strong>{post.author?.name ?? t("common.none")}</strong>{" "}
        <time dateTime={post.createdAt}>{format.format(new Date(post.createdAt))}</time>
      </p>
      <p className="post-body">{post.body}</p>
      {post.mentions.length > 0 && (
        <p className="muted">
          {t("work.mentions")}: {post.mentions.map((m) => m.name).join(", ")}
        </p>
      )}
    </>
  );
}

function PostForm({
  teamId,
  replyToId,
  label,
  onDone,
}: {
  teamId: string;
  replyToId?: string;
  label: string;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const [body, setBody] = useState("");
  const [posted, post] = useMutation(CreatePost);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await post({ input: { teamId, body, replyToId: replyToId ?? null } });
    if (!r.error) {
      setBody("");
      onDone();
    }
  }
  return (
    <form className="stack" onSubmit={submit}>
      <ErrorNote error={posted.error} />
      <label>
        {label}
        <textarea required rows={replyToId ? 2 : 3} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <p className="muted">{t("work.mentionHint")}</p>
      <button type="submit" disabled={posted.fetching}>
        {replyToId ? t("work.reply") : t("work.post")}
      </button>
    </form>
  );
}

function Posts({ teamId, format }: { teamId: string; format: Intl.DateTimeFormat }) {
  const { t } = useTranslation();
  const [result, refetch] = useQuery({ query: TeamPostsDoc, variables: { id: teamId } });
  const onChange = () => refetch({ requestPolicy: "network-only" });
  const posts = result.data?.team?.posts.nodes ?? [];
  const [replying, setReplying] = useState<string | null>(null);
  return (
    <section aria-labelledby="posts-h">
      <h2 id="posts-h">{t("teams.posts")}</h2>
      <ErrorNote error={result.error} />
      <PostForm teamId={teamId} label={t("work.newPost")} onDone={onChange} />
      {posts.length === 0 && <p>{t("work.noPosts")}</p>}
      <ol className="posts" data-testid="posts">
        {posts.map((p) => (
          <li key={p.id}>
            <article aria-label={t("work.postBy", { name: p.author?.name ?? "" })}>
              <PostBody post={p} format={format} />
              {p.replies.length > 0 && (
                <ol className="replies">
                  {p.replies.map((r) => (
                    <li key={r.id}>
                      <PostBody post={r} format={format} />
                    </li>
                  ))}
                </ol>
              )}
              {replying === p.id ? (
                <PostForm
                  teamId={teamId}
                  replyToId={p.id}
                  label={t("work.replyLabel")}
                  onDone={() => {
                    setReplying(null);
                    onChange();
                  }}
                />
              ) : (
                <button type="button" onClick={() => setReplying(p.id)}>
                  {t("work.reply")}
                </button>
              )}
            </article>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Decisions({
  teamId,
  decisions,
  onChange,
}: {
  teamId: string;
  decisions: Team["decisions"];
  onChange: () => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [basis, setBasis] = useState("");
  const [recorded, record] = useMutation(RecordDecision);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await record({ input: { teamId, text, date, legalBasis: basis || null } });
    if (!r.error) {
      setText("");
      setBasis("");
      onChange();
    }
  }
  return (
    <section aria-labelledby="decisions-h">
      <h2 id="decisions-h">{t("teams.decisions")}</h2>
      {decisions.length === 0 ? (
        <p>{t("work.noDecisions")}</p>
      ) : (
        <ul data-testid="decisions">
          {decisions.map((d) => (
            <li key={d.id}>
              <time dateTime={d.date}>{d.date}</time> — {d.text}
              {d.legalBasis && <span className="muted"> ({d.legalBasis})</span>}
            </li>
          ))}
        </ul>
      )}
      <form className="stack" onSubmit={submit}>
        <ErrorNote error={recorded.error} />
        <label>
          {t("work.decisionText")}
          <input required value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <label>
          {t("work.decisionDate")}
          <input type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <label>
          {t("teams.legalBasis")}
          <input value={basis} onChange={(e) => setBasis(e.target.value)} />
        </label>
        <button type="submit" disabled={recorded.fetching}>
          {t("work.recordDecision")}
        </button>
      </form>
    </section>
  );
}

function Tasks({
  teamId,
  tasks,
  members,
  onChange,
}: {
  teamId: string;
  tasks: Team["tasks"];
  members: { id: string; name: string }[];
  onChange: () => void;
}) {
  const { t } = useTranslation();
  const [title, setTitle] = useState("");
  const [assignee, setAssignee] = useState("");
  const [due, setDue] = useState("");
  const [created, create] = useMutation(CreateTask);
  const [updated, update] = useMutation(UpdateTask);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await create({ input: { teamId, title, assigneeId: assignee || null, dueDate: due || null } });
    if (!r.error) {
      setTitle("");
      setDue("");
      onChange();
    }
  }
  return (
    <section aria-labelledby="tasks-h">
      <h2 id="tasks-h">{t("teams.tasks")}</h2>
      <ErrorNote error={updated.error} />
      {tasks.length === 0 ? (
        <p>{t("work.noTasks")}</p>
      ) : (
        <table data-testid="tasks">
          <thead>
            <tr>
              <th scope="col">{t("work.taskTitle")}</th>
              <th scope="col">{t("work.assignee")}</th>
              <th scope="col">{t("work.due")}</th>
              <th scope="col">{t("teams.status")}</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((task) => (
              <tr key={task.id}>
                <td>{task.title}</td>
                <td>{task.assignee?.name ?? t("common.none")}</td>
                <td>{task.dueDate ?? t("common.none")}</td>
                <td>
                  <select
                    aria-label={t("work.statusOf", { title: task.title })}
                    value={task.status}
                    onChange={async (e) => {
                      const r = await update({ id: task.id, patch: { status: e.target.value as (typeof TASK_STATUSES)[number] } });
                      if (!r.error) onChange();
                    }}
                  >
                    {TASK_STATUSES.map((s) => (
                      <option key={s} value={s}>
                        {t(`enums.TaskStatus.${s}`)}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="stack" onSubmit={submit}>
        <ErrorNote error={created.error} />
        <label>
          {t("work.taskTitle")}
          <input required value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <label>
          {t("work.assignee")}
          <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">{t("common.none")}</option>
            {members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("work.due")}
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </label>
        <button type="submit" disabled={created.fetching}>
          {t("work.addTask")}
        </button>
      </form>
    </section>
  );
}
