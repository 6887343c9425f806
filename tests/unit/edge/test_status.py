import pytest

from chalicelib.edge.envelope import failure
from chalicelib.edge.status import error_code, http_status
from chalicelib.errors import (
    ApiError,
    BadRequest,
    HttpError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
    UpstreamTimeout,
    UpstreamUnreachable,
)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ApiError("m"), 500, 1000),
        (BadRequest("m"), 400, 1001),
        (Unauthorized("m"), 401, 1002),
        (NotFound("m"), 404, 1003),
        (MethodNotAllowed(["GET"]), 405, 1004),
        (PayloadTooLarge("m"), 413, 1005),
        (UnsupportedMediaType("m"), 415, 1006),
        (HttpError(431, "m"), 431, 1007),
        (ServiceUnavailable("m"), 503, 1008),
        (UpstreamUnreachable("m"), 502, 2001),
        (UpstreamTimeout("m"), 504, 2002),
        (RateLimited("m"), 429, 2003),
    ],
)
def test_each_error_answers_with_its_status_and_code(
    error: ApiError, status: int, code: int
) -> None:
    assert http_status(error) == status and error_code(error) == code
    assert failure(error)["errors"] == [{"code": code, "message": error.message}]


def test_an_unlisted_subclass_answers_as_its_nearest_listed_base() -> None:
    class Gone(NotFound):
        pass

    assert (http_status(Gone("m")), error_code(Gone("m"))) == (404, 1003)
