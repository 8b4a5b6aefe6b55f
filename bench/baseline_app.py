"""The bare Flask endpoint every benchmark figure is compared with."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
