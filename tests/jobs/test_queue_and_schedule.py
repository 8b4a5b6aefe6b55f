"""The job queue (RQ on a real Redis), the in-process runner, and the schedule's claims."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

from app import mail, redis_client
from app.extensions import db
from app.jobs import dispatch, enqueue, schedule
from app.jobs.local import runner_for
from app.mail import MailStatus, OutboundMail
from tests.jobs.queues import redis_url, work_the_queue
from tests.operations.faults import TcpProxy
from tests.operations.servers import metric_value


def _queue_a_mail(recipient: str) -> int:
    queued = mail.queue(mail.compose(recipient, "Objet", "Texte"), "test")
    db.session.commit()
    return queued.id


def _status(mail_id: int) -> MailStatus:
    db.session.expire_all()
    return db.session.scalar(sa.select(OutboundMail.status).where(OutboundMail.id == mail_id))


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_a_committed_mail_waits_in_redis_for_a_worker_that_sends_it(app, client, smtp,
                                                                    rq_mode):
    mail_id = _queue_a_mail("file@example.org")
    assert smtp.messages == [] and _status(mail_id) is MailStatus.PENDING
    queue = dispatch.rq_queue(app.config)
    assert queue.count == 1
    metrics = client.get("/metrics").get_data(as_text=True)
    assert metric_value(metrics, "concerto_job_queue_waiting") == 1
    assert metric_value(metrics, "concerto_job_queue_up") == 1
    work_the_queue(app)
    assert _status(mail_id) is MailStatus.SENT
    assert len(smtp.to("file@example.org")) == 1


def test_a_black_holed_redis_costs_one_short_wait_and_the_mail_stays_queued(app, smtp, rq_mode):
    with TcpProxy() as hole:  # accepts, never answers
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{hole.port}/0"
        before = dispatch.JOBS_NOT_QUEUED.labels("mail.deliver")._value.get()
        started = time.monotonic()
        first = _queue_a_mail("a@example.org")
        second = _queue_a_mail("b@example.org")  # within the pause: Redis not even tried
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert dispatch.JOBS_NOT_QUEUED.labels("mail.deliver")._value.get() == before + 2
    assert _status(first) is _status(second) is MailStatus.PENDING
    # The scheduler's sweep, once Redis is back, finds them in the database.
    dispatch._redis_paused_until = 0.0
    from app.mail_delivery import sweep

    assert sweep() == (2, 0)
    assert len(smtp.messages) == 2


def test_without_redis_a_thread_of_the_process_sends_the_mail(app, smtp):
    app.config.update(JOBS_MODE="thread", REDIS_URL="")
    runner = runner_for(app)
    try:
        mail_id = _queue_a_mail("fil@example.org")
        _wait_for(lambda: _status(mail_id) is MailStatus.SENT)
    finally:
        runner.stop()
    assert len(smtp.to("fil@example.org")) == 1


def test_jobs_asked_for_in_a_rolled_back_transaction_never_run(app, smtp):
    enqueue("mail.sweep")
    db.session.rollback()
    assert db.session().info.get("concerto_jobs") is None


MOMENT = datetime(2001, 3, 5, 7, 30, tzinfo=UTC)  # 08:30 in Paris: before the reminders


def _tick(claim, moment):
    ran = []
    schedule.tick(claim, ran.append, moment)
    return ran


@pytest.mark.parametrize("claims", ["memory", "redis"])
def test_each_slot_runs_once_however_many_schedulers_tick(claims):
    if claims == "memory":
        claim = schedule.MemoryClaims()
        everyone = [claim, claim]
    else:
        connection = redis_client.client({"REDIS_URL": redis_url()})
        try:
            connection.ping()
        except redis.RedisError:
            pytest.skip("no Redis") if not os.environ.get("CI") else pytest.fail("no Redis")
        _forget_slots(connection)
        everyone = [schedule.RedisClaims(connection), schedule.RedisClaims(connection)]
    minute_slot = str(int(MOMENT.timestamp() // 60))
    ran = [task for claim in everyone for task in _tick(claim, MOMENT)]
    # Every minute, every hour, and the nightly ones (03:00 is past, 09:00 not yet).
    assert ran == ["mail.sweep", "documents.sweep", "documents.purge", "privacy.purge",
                   "storage.purge_imports"]
    later = MOMENT + timedelta(minutes=1)
    ran = [task for claim in everyone for task in _tick(claim, later)]
    assert ran == ["mail.sweep", "documents.sweep"]
    morning = MOMENT + timedelta(hours=1)  # 09:30 in Paris
    ran = [task for claim in everyone for task in _tick(claim, morning)]
    assert ran == ["mail.sweep", "documents.sweep", "documents.purge",
                   "registrations.reminders"]
    if claims == "redis":
        assert connection.exists(f"concerto:schedule:mail.sweep:{minute_slot}")
        _forget_slots(connection)


def _forget_slots(connection) -> None:
    """This test's slots (in 2001) in the shared Redis."""
    moments = [MOMENT + timedelta(minutes=m) for m in (0, 1, 60)]
    slots = {str(int(moment.timestamp() // span)) for moment in moments for span in (60, 3600)}
    for key in connection.scan_iter("concerto:schedule:*"):
        slot = key.decode().rsplit(":", 1)[1]
        if slot.startswith("2001-") or slot in slots:
            connection.delete(key)


def test_flask_worker_without_redis_sends_what_is_due(app, smtp):
    app.config.update(JOBS_MODE="thread", REDIS_URL="")
    queued = OutboundMail(recipient="cli@example.org", subject="Objet", purpose="test",
                          message=mail.as_bytes(mail.compose("cli@example.org", "Objet", "T")))
    db.session.add(queued)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Pas de REDIS_URL" in result.output
    assert _status(queued.id) is MailStatus.SENT
    assert len(smtp.to("cli@example.org")) == 1


def test_flask_scheduler_needs_redis_and_says_so(app):
    app.config.update(JOBS_MODE="thread", REDIS_URL="")
    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    assert result.exit_code != 0 and "a besoin de REDIS_URL" in result.output


def test_flask_scheduler_queues_the_due_tasks_once(app, rq_mode):
    minutes = {datetime.now(UTC).replace(second=0, microsecond=0)}
    first = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    second = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    minutes.add(datetime.now(UTC).replace(second=0, microsecond=0))
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    queue = dispatch.rq_queue(app.config)
    tasks = [job.args[0] for job in queue.get_jobs()]
    # Each minute's sweeps once, whichever of the two runs won the slot (two runs a few
    # milliseconds apart may straddle a minute); the daily ones once.
    assert tasks.count("mail.sweep") == tasks.count("documents.sweep") == len(minutes)
    assert tasks.count("documents.purge") <= 2 and tasks.count("privacy.purge") <= 1
    connection = redis_client.client(app.config)
    for key in connection.scan_iter(f"{rq_mode}:schedule:*"):  # this test's own slots
        connection.delete(key)


def test_a_task_that_could_not_be_queued_gets_its_slot_back():
    claims = schedule.MemoryClaims()
    refused = schedule.tick(claims, lambda task: False, MOMENT)  # Redis was away
    assert refused == []
    assert _tick(claims, MOMENT)[:1] == ["mail.sweep"]  # the same minute, tried again


def test_a_stopped_runner_starts_again_when_jobs_come(app, smtp):
    app.config.update(JOBS_MODE="thread", REDIS_URL="")
    runner = runner_for(app)
    runner.start()
    runner.stop()
    try:
        mail_id = _queue_a_mail("encore@example.org")
        _wait_for(lambda: _status(mail_id) is MailStatus.SENT)
    finally:
        runner.stop()
