#!/usr/bin/python3
"""An RTSP client for tests: GStreamer's rtspsrc reads a URL, decodes one media and counts decoded buffers.

Prints JSON lines on stdout:
  {"first": MS}                  when the first decoded frame arrives (MS since start)
  {"done": true, "frames": N, "firstFrameMs": MS, "windowMs": MS, "ended": BOOL, "caps": "..."}
                                 after --seconds of counting (from the first frame) or when the stream ended
  {"error": "..."}               on failure (exit code 1)
Logs to stderr. Exit codes: 0 counted, 1 stream error or timeout, 2 bad flags, 3 GStreamer part missing.
Run it with /usr/bin/python3 (Debian's interpreter has python3-gi).
"""

import argparse
import ctypes
import json
import os
import signal
import sys
import time


def emit(obj):
    # Output never raises: with the parent gone the pipes are broken, and the script must still exit.
    try:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def log(message):
    try:
        sys.stderr.write('[gst-reader %d] %s\n' % (os.getpid(), message))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv):
    p = argparse.ArgumentParser(description='Count decoded frames of an RTSP URL with rtspsrc.')
    p.add_argument('--url', required=True)
    p.add_argument('--media', choices=['video', 'audio'], default='video')
    p.add_argument('--transport', choices=['tcp', 'udp'], default='tcp')
    p.add_argument('--seconds', type=float, default=5.0, help='counting window after the first frame')
    p.add_argument('--timeout', type=float, default=15.0, help='seconds to wait for the first frame')
    p.add_argument('--latency', type=int, default=0, help='rtspsrc jitterbuffer latency in ms (default 0)')
    p.add_argument('--exit-with-parent', action='store_true')
    args = p.parse_args(argv)
    if args.exit_with_parent:
        ctypes.CDLL('libc.so.6').prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG

    try:
        import gi
        gi.require_version('Gst', '1.0')
        from gi.repository import GLib, Gst
    except (ImportError, ValueError) as err:
        log('GStreamer Python bindings missing (%s): apt-get install python3-gi' % err)
        sys.exit(3)
    Gst.init(None)
    for name in ('rtspsrc', 'decodebin', 'fakesink'):
        if Gst.ElementFactory.find(name) is None:
            log('GStreamer element %s missing: apt-get install gstreamer1.0-plugins-good gstreamer1.0-plugins-base'
                % name)
            sys.exit(3)

    started = time.monotonic()
    loop = GLib.MainLoop()
    state = {'frames': 0, 'first': None, 'linked': False, 'caps': '', 'result': None}
    pipeline = Gst.Pipeline.new('reader')
    src = Gst.ElementFactory.make('rtspsrc', 'src')
    src.set_property('location', args.url)
    src.set_property('latency', args.latency)
    src.set_property('protocols', 'tcp' if args.transport == 'tcp' else 'udp')
    pipeline.add(src)

    def finish(result, code):
        if state['result'] is None:
            state['result'] = (result, code)
            loop.quit()
        return False

    def summary(ended):
        first = state['first']
        return {'done': True, 'frames': state['frames'], 'firstFrameMs': round((first - started) * 1000),
                'windowMs': round(min(time.monotonic() - first, args.seconds) * 1000), 'ended': ended,
                'caps': state['caps']}

    def on_first_frame():
        emit({'first': round((state['first'] - started) * 1000)})
        GLib.timeout_add(int(args.seconds * 1000), lambda: finish(summary(False), 0))
        return False

    def on_handoff(_sink, _buffer, pad):
        now = time.monotonic()
        if state['first'] is None:
            state['first'] = now
            caps = pad.get_current_caps()
            state['caps'] = caps.to_string() if caps else ''
            GLib.idle_add(on_first_frame)
        if now - state['first'] <= args.seconds:
            state['frames'] += 1

    def add_sink(handoffs):
        sink = Gst.ElementFactory.make('fakesink', None)
        sink.set_property('sync', False)
        sink.set_property('async', False)
        if handoffs:
            sink.set_property('signal-handoffs', True)
            sink.connect('handoff', on_handoff)
        pipeline.add(sink)
        sink.sync_state_with_parent()
        return sink

    def on_decoded_pad(_decodebin, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        if not caps.to_string().startswith(args.media):
            pad.link(add_sink(False).get_static_pad('sink'))
            return
        pad.link(add_sink(True).get_static_pad('sink'))

    def on_src_pad(_src, pad):
        caps = pad.get_current_caps() or pad.query_caps(None)
        media = caps.get_structure(0).get_string('media') if caps.get_size() else None
        if media == args.media and not state['linked']:
            state['linked'] = True
            decode = Gst.ElementFactory.make('decodebin', None)
            decode.connect('pad-added', on_decoded_pad)
            pipeline.add(decode)
            decode.sync_state_with_parent()
            pad.link(decode.get_static_pad('sink'))
        else:
            # Every stream rtspsrc sets up must go somewhere, or its not-linked flow stops the pipeline.
            pad.link(add_sink(False).get_static_pad('sink'))

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            log('error: %s (%s)' % (err.message, debug))
            if state['first'] is not None:
                finish(summary(True), 0)
            else:
                finish({'error': err.message}, 1)
        elif message.type == Gst.MessageType.EOS:
            finish(summary(True) if state['first'] is not None else {'error': 'end of stream before a frame'},
                   0 if state['first'] is not None else 1)

    def on_timeout():
        if state['first'] is None:
            finish({'error': 'no %s frame within %.1f s' % (args.media, args.timeout)}, 1)
        return False

    src.connect('pad-added', on_src_pad)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.timeout_add(int(args.timeout * 1000), on_timeout)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, lambda: finish({'error': 'stopped by a signal'}, 1))
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    result, code = state['result']
    emit(result)
    pipeline.set_state(Gst.State.NULL)
    os._exit(code)


if __name__ == '__main__':
    main(sys.argv[1:])
