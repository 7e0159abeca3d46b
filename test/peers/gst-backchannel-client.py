#!/usr/bin/python3
"""An ONVIF Profile T backchannel client for tests: GStreamer's `rtspsrc backchannel=onvif`.

Connects with `Require: www.onvif.org/ver20/backchannel`, plays the camera's streams into fakesinks, and once
media flows pushes a sine tone, encoded as the camera's sendonly audio media asks (PCMU, PCMA, AAC or Opus),
through rtspsrc's `push-backchannel-sample` action signal for --seconds.

Prints JSON lines on stdout:
  {"backchannel": "CAPS"}        the sendonly stream it found
  {"done": true, "pushed": N, "failed": N, "codec": "PCMU", "seconds": S, "received": N}
  {"error": "..."}               on failure (exit code 1)
Exit codes: 0 pushed, 1 failure (no backchannel in the SDP, stream error, timeout), 2 bad flags,
3 a GStreamer part is missing. Run it with /usr/bin/python3 (Debian's interpreter has python3-gi).
"""

import argparse
import ctypes
import json
import os
import signal
import sys
import time

# encoding-name from the SDP -> (sample rate of the raw tone, encoder ! payloader)
ENCODERS = {
    'PCMU': (8000, 'mulawenc ! rtppcmupay'),
    'PCMA': (8000, 'alawenc ! rtppcmapay'),
    'MPEG4-GENERIC': (None, 'avenc_aac ! rtpmp4gpay'),
    'OPUS': (48000, 'opusenc ! rtpopuspay'),
}


def emit(obj):
    # Output never raises: with the parent gone the pipes are broken, and the script must still exit.
    try:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()
    except (OSError, ValueError):
        pass


def log(message):
    try:
        sys.stderr.write('[gst-backchannel-client %d] %s\n' % (os.getpid(), message))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv):
    p = argparse.ArgumentParser(description='Send a tone to an ONVIF camera backchannel with rtspsrc.')
    p.add_argument('--url', required=True)
    p.add_argument('--seconds', type=float, default=3.0, help='how long to push audio (default 3)')
    p.add_argument('--frequency', type=float, default=440.0)
    p.add_argument('--volume', type=float, default=0.5, help='tone amplitude 0..1 (default 0.5)')
    p.add_argument('--transport', choices=['tcp', 'udp'], default='tcp')
    p.add_argument('--timeout', type=float, default=15.0, help='seconds to wait for the stream to start')
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
    for name in ('rtspsrc', 'fakesink', 'appsink', 'audiotestsrc', 'mulawenc', 'rtppcmupay'):
        if Gst.ElementFactory.find(name) is None:
            log('GStreamer element %s missing: apt-get install gstreamer1.0-plugins-good '
                'gstreamer1.0-plugins-base' % name)
            sys.exit(3)

    loop = GLib.MainLoop()
    state = {'stream': None, 'caps': None, 'back': None, 'pushed': 0, 'failed': 0, 'received': 0,
             'first_push': None, 'result': None}
    # push-backchannel-sample does not take over the Python wrapper's reference: a sample freed while
    # rtspsrc still uses it hangs the stream, so every pushed sample is kept until the end.
    pushed_samples = []

    pipeline = Gst.Pipeline.new('backchannel-client')
    src = Gst.ElementFactory.make('rtspsrc', 'src')
    src.set_property('location', args.url)
    src.set_property('backchannel', 'onvif')
    src.set_property('latency', 0)
    src.set_property('protocols', 'tcp' if args.transport == 'tcp' else 'udp')
    pipeline.add(src)

    def finish(result, code):
        if state['result'] is None:
            state['result'] = (result, code)
            loop.quit()
        return False

    def on_select_stream(_src, index, caps):
        s = caps.get_structure(0)
        if s.has_field('a-sendonly') and state['stream'] is None:
            state['stream'] = index
            emit({'backchannel': s.to_string()})
            # Only what the payloader must match: the encoder's own fmtp (AAC config, profile-level-id)
            # would not intersect the SDP's strings, and a-* fields describe the session, not the RTP.
            rtp = Gst.Structure.new_empty('application/x-rtp')
            for name in ('media', 'payload', 'clock-rate', 'encoding-name'):
                if s.has_field(name):
                    rtp.set_value(name, s.get_value(name))
            state['caps'] = Gst.Caps.from_string(rtp.to_string())
        return True

    def on_pad(_src, pad):
        sink = Gst.ElementFactory.make('fakesink', None)
        sink.set_property('sync', False)
        sink.set_property('async', False)
        sink.set_property('signal-handoffs', True)
        sink.connect('handoff', on_media_buffer)
        pipeline.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad('sink'))

    def on_media_buffer(_sink, _buffer, _pad):
        state['received'] += 1
        if state['received'] == 1:
            # The camera's media flows: PLAY is done, so the backchannel is set up too.
            GLib.idle_add(start_backchannel)

    def start_backchannel():
        if state['stream'] is None:
            return finish({'error': 'the camera SDP has no sendonly (backchannel) media'}, 1)
        s = state['caps'].get_structure(0)
        codec = (s.get_string('encoding-name') or '').upper()
        if codec not in ENCODERS:
            return finish({'error': 'backchannel codec %s not supported by this client' % codec}, 1)
        rate, chain = ENCODERS[codec]
        ok, clock_rate = s.get_int('clock-rate')
        rate = rate or (clock_rate if ok else 8000)
        launch = ('audiotestsrc is-live=true wave=sine freq=%f volume=%f samplesperbuffer=%d ! audioconvert ! '
                  'audioresample ! audio/x-raw,rate=%d,channels=1 ! %s ! appsink name=out emit-signals=true '
                  'sync=false' % (args.frequency, args.volume, rate // 50, rate, chain))
        try:
            back = Gst.parse_launch(launch)
        except GLib.Error as err:
            return finish({'error': 'cannot build %r: %s' % (launch, err.message)}, 1)
        out = back.get_by_name('out')
        out.set_property('caps', state['caps'])
        out.connect('new-sample', on_sample)
        state['back'] = back
        state['codec'] = codec
        back.set_state(Gst.State.PLAYING)
        log('pushing %s for %.1f s' % (state['caps'].to_string(), args.seconds))
        return False

    def on_sample(appsink):
        sample = appsink.emit('pull-sample')
        if sample is None:
            return Gst.FlowReturn.OK
        pushed_samples.append(sample)
        if state['first_push'] is None:
            state['first_push'] = time.monotonic()
            GLib.idle_add(lambda: GLib.timeout_add(int(args.seconds * 1000), done) and False)
        ret = src.emit('push-backchannel-sample', state['stream'], sample)
        if ret == Gst.FlowReturn.OK:
            state['pushed'] += 1
        else:
            state['failed'] += 1
        return Gst.FlowReturn.OK

    def done():
        finish({'done': True, 'pushed': state['pushed'], 'failed': state['failed'], 'codec': state['codec'],
                'seconds': round(time.monotonic() - state['first_push'], 3), 'received': state['received']}, 0)
        return False

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            log('error: %s (%s)' % (err.message, debug))
            finish({'error': err.message}, 1)
        elif message.type == Gst.MessageType.EOS:
            finish({'error': 'end of stream'}, 1)

    def on_timeout():
        if state['first_push'] is None:
            finish({'error': 'no media from the camera within %.1f s' % args.timeout}, 1)
        return False

    src.connect('select-stream', on_select_stream)
    src.connect('pad-added', on_pad)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.timeout_add(int(args.timeout * 1000), on_timeout)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, lambda: finish({'error': 'stopped by a signal'}, 1))
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    result, code = state['result']
    if state['back'] is not None:
        state['back'].set_state(Gst.State.NULL)
    # NULL sends TEARDOWN; the camera then closes its backchannel pipeline (and its output file).
    pipeline.set_state(Gst.State.NULL)
    emit(result)
    os._exit(code)


if __name__ == '__main__':
    main(sys.argv[1:])
