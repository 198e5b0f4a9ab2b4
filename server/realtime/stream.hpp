// Stream: the server's side of one subscriber connection (a WebSocket today, a gRPC stream
// later), as the broker and the event hub see it. Implemented by the composition root over the
// transport; tests use a recording fake. Frames are complete reply envelopes (PROTOCOL.md).
#pragma once

#include <string>

namespace colonies::server::realtime {

class Stream {
 public:
  virtual ~Stream() = default;
  // Queues one frame for the subscriber. Never blocks; any thread. False when the frame was not
  // queued: the subscriber is gone, or could not keep up and has been disconnected with a reason
  // (the implementation closes it); either way the caller drops the subscription.
  virtual bool send(std::string frame) = 0;
  // Ends the stream normally after the frames already queued; `reason` goes to the peer (close
  // reason). Idempotent; any thread.
  virtual void end(std::string reason) = 0;
};

}  // namespace colonies::server::realtime
