"""A change that a simultaneous one beat to the same place (workshops.changes.ChangeConflict)
answers 409 with a French message, in every view, never a 500."""

import json

from django.shortcuts import render

from workshops.changes import ChangeConflict


class ChangeConflictMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ChangeConflict):
            return None
        response = render(request, "409.html", {"message": exception.message}, status=409)
        if request.headers.get("HX-Request"):
            # The board keeps its content as it is and says why (board.js, « board:settled »).
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = json.dumps({"board:settled": {"announce": exception.message}})
        return response
