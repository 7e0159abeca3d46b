#!/usr/bin/python3
"""The peer of bench/rtsp.ts: GStreamer's RTSP server relaying the bench camera to many readers.

The camera's RTP arrives on a UDP port; one shared media depayloads it to H264 access units and payloads them
again (1200-byte payloads, as ts2rtc) for every RTSP client: the same work ts2rtc does between the camera's
socket and its readers' sockets. The media is prepared at start and kept so, so every reader joins the same
one. With no reader GStreamer keeps the stream blocked (its RTP has no sink before a first transport): it
does no work then, and the kernel drops the camera's datagrams.

Prints ONE JSON line on stdout when it listens: {"ready": true, "port": N, "pid": N}; logs go to stderr.
SIGTERM/SIGINT: exit 0. Exit codes: 2 bad flags, 3 GStreamer missing or the media did not prepare, 4 cannot listen.
Run it with /usr/bin/python3 (Debian's interpreter has python3-gi).
"""

import argparse
import ctypes
import json
import os
import signal
import sys
import threading


def log(message):
    try:
        sys.stderr.write('[gst-relay %d] %s\n' % (os.getpid(), message))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv):
    p = argparse.ArgumentParser(description='GStreamer RTSP relay for bench/rtsp.ts')
    p.add_argument('--udp-port', type=int, required=True, help='where the camera sends RTP')
    p.add_argument('--sprop', required=True, help='sprop-parameter-sets of the camera (base64 SPS,PPS)')
    p.add_argument('--path', default='/cam')
    p.add_argument('--mtu', type=int, default=1212, help='largest RTP packet, header included')
    args = p.parse_args(argv)

    # The kernel ends us when the bench dies, even by SIGKILL.
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass

    try:
        import gi
        gi.require_version('Gst', '1.0')
        gi.require_version('GstRtsp', '1.0')
        gi.require_version('GstRtspServer', '1.0')
        from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
    except (ImportError, ValueError) as err:
        log('GStreamer Python bindings missing (%s): apt-get install python3-gi gir1.2-gst-rtsp-server-1.0' % err)
        os._exit(3)
    Gst.init(None)

    caps = ('application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96,'
            'packetization-mode=(string)1,sprop-parameter-sets=(string)\\"%s\\"' % args.sprop)
    # AVC (length-prefixed) between depayloader and payloader: no start-code scan, the cheapest path GStreamer
    # has, as ts2rtc keeps frames in AVCC. No jitter buffer: loopback does not reorder, and it would add delay.
    launch = ('( udpsrc address=127.0.0.1 port=%d buffer-size=4194304 caps="%s" ! rtph264depay ! '
              'video/x-h264,stream-format=avc,alignment=au ! '
              'rtph264pay name=pay0 pt=96 mtu=%d config-interval=0 aggregate-mode=zero-latency )'
              % (args.udp_port, caps, args.mtu))

    server = GstRtspServer.RTSPServer()
    server.set_address('127.0.0.1')
    server.set_service('0')
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    server.get_mount_points().add_factory(args.path, factory)
    # Readers send no keep-alive; the bench outlives the default 60 s session timeout.
    server.connect('client-connected', lambda _s, client: client.connect(
        'new-session', lambda _c, session: session.set_timeout(600)))
    loop = GLib.MainLoop()
    if not server.attach(None):
        log('cannot listen')
        os._exit(4)
    port = server.get_bound_port()

    def stop(_name):
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop, 'SIGTERM')
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop, 'SIGINT')

    ok, url = GstRtsp.RTSPUrl.parse('rtsp://127.0.0.1:%d%s' % (port, args.path))
    media = factory.construct(url) if ok == GstRtsp.RTSPResult.OK else None
    if media is None:
        log('cannot build the media: %s' % launch)
        os._exit(3)

    def announce(prepared):
        if not prepared:
            log('the media did not prepare: %s' % launch)
            os._exit(3)
        sys.stdout.write(json.dumps({'ready': True, 'port': port, 'pid': os.getpid()}) + '\n')
        sys.stdout.flush()
        return False

    # prepare() waits for the media's bus, which this main loop runs: hence a thread.
    def work():
        prepared = media.prepare(None)
        GLib.idle_add(announce, prepared)

    threading.Thread(target=work, daemon=True).start()
    loop.run()
    # Finalizing GStreamer objects from Python at exit can crash; nothing is left to flush.
    os._exit(0)


if __name__ == '__main__':
    sys.dont_write_bytecode = True
    main(sys.argv[1:])
